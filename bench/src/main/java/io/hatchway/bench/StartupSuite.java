package io.hatchway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the agent costs its host: {@code premain_block_ms}, {@code ready_ms}, the threads and RSS it
 * adds, and {@code idle_heap_mb}. Host JVMs with the agent (default options but a free port:
 * {@code backend=auto}, authentication on) and without it are launched in alternation with the
 * JVM's default flags; the first pair warms the page cache and is left out.
 *
 * <p>With the agent the command line is {@code -javaagent:stamp=before -javaagent:hatchway
 * -javaagent:stamp=after}: the JVM runs premains in order on the main thread, so the time between
 * the two stamps is what Hatchway's premain (its jar opened, its bootstrap class loaded, its start
 * thread launched) holds the host's main. {@code ready} runs from the fork of the JVM to the answer
 * of the first Jolokia request, sent as soon as the agent says it serves; the reference runs from the
 * fork to the host's main without any agent. Footprint is read 2 s later, when the start-up has
 * settled; retained heap after two full collections, over JMX in both JVMs.
 */
final class StartupSuite {
    /** Idle footprint of both kinds of host, averaged over the measured launches. */
    record Footprint(double rssMbAgent, double rssMbPlain, double threadsAgent, double threadsPlain,
            double heapMbAgent, double heapMbPlain, Map<String, Integer> threadsAdded) {
    }

    private StartupSuite() {
    }

    static Footprint run(Context ctx, Figure premain, Figure ready, Figure idleHeap) throws Exception {
        int launches = ctx.iterations(6, 2);
        Path state = ctx.dir("startup-state");
        Samples premainSamples = new Samples("premain holds main");
        Samples readySamples = new Samples("fork → first Jolokia answer");
        Samples mainSamples = new Samples("fork → main, no agent");
        Samples startedSamples = new Samples("fork → the agent's start line (it serves)");
        Samples trivialSamples = new Samples("a trivial agent in Hatchway's place (the floor)");
        List<Double> cpuAgent = new ArrayList<>();
        List<Double> cpuPlain = new ArrayList<>();
        List<long[]> agentFootprints = new ArrayList<>();
        List<long[]> plainFootprints = new ArrayList<>();
        Map<String, Integer> namesAgent = new TreeMap<>();
        Map<String, Integer> namesPlain = new TreeMap<>();
        for (int i = 0; i <= launches; i++) {
            boolean measured = i > 0;
            // The floor of premain_block_ms: the same stamps around an agent that does nothing.
            try (HostJvm jvm = HostJvm.launch(List.of("-javaagent:" + ctx.hostJar() + "=before",
                    "-javaagent:" + ctx.hostJar() + "=trivial", "-javaagent:" + ctx.hostJar() + "=after"), ctx.hostJar())) {
                String main = jvm.awaitLine(l -> l.startsWith(BenchHost.MAIN), Duration.ofSeconds(60)).text();
                if (measured) {
                    trivialSamples.add(Long.parseLong(main.replaceAll(".*premain_nanos=", "")));
                }
            }
            // Alternate which kind goes first, as Alternation does.
            for (boolean withAgent : i % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                List<String> args = new ArrayList<>();
                if (withAgent) {
                    args.add("-javaagent:" + ctx.hostJar() + "=before");
                    args.addAll(ctx.agentArgs("port=0,stateDir=" + state));
                    args.add("-javaagent:" + ctx.hostJar() + "=after");
                }
                try (HostJvm jvm = HostJvm.launch(args, ctx.hostJar())) {
                    HostJvm.Line main = jvm.awaitLine(l -> l.startsWith(BenchHost.MAIN), Duration.ofSeconds(60));
                    long readyNanos;
                    if (withAgent) {
                        HostJvm.Line startLine = jvm.awaitLine(l -> l.startsWith("[hatchway] started")
                                || l.startsWith("[hatchway] ERROR"), Duration.ofSeconds(60));
                        String started = startLine.text();
                        ProcessSuite.check(started.startsWith("[hatchway] started"), "agent did not start: " + started);
                        JolokiaClient client = JolokiaClient.fromStartLine(started);
                        client.call("{\"type\":\"read\",\"mbean\":\"hatchway:type=TaskService\",\"attribute\":\"Backend\"}");
                        readyNanos = System.nanoTime() - jvm.launchedNanos();
                        if (measured) {
                            cpuAgent.add(jvm.cpuMillis());
                        }
                        long held = Long.parseLong(main.text().replaceAll(".*premain_nanos=", ""));
                        if (measured) {
                            premainSamples.add(held);
                            readySamples.add(readyNanos);
                            startedSamples.add(startLine.nanos() - jvm.launchedNanos());
                        }
                    } else if (measured) {
                        mainSamples.add(main.nanos() - jvm.launchedNanos());
                        cpuPlain.add(jvm.cpuMillis());
                    }
                    if (!measured) {
                        continue;
                    }
                    Thread.sleep(2000);
                    long rss = jvm.rssKb();
                    long threads = jvm.threads();
                    jvm.threadNames().forEach((name, count) -> (withAgent ? namesAgent : namesPlain)
                            .merge(name, count, Integer::sum));
                    long heap = jvm.retainedHeapBytes();
                    (withAgent ? agentFootprints : plainFootprints).add(new long[] {rss, threads, heap});
                }
            }
        }
        premain.hatchway = premainSamples;
        premain.value(premainSamples.medianMs());
        premain.alternatives.add(trivialSamples);
        ready.hatchway = readySamples;
        ready.reference = mainSamples;
        ready.value(readySamples.medianMs() - mainSamples.medianMs());
        ready.alternatives.add(startedSamples);
        ready.note(String.format("CPU time of the JVM (all threads): %.0f ms when the first answer came, %.0f ms at main"
                + " without the agent (medians): on two shared cores the wall time stretches with the load",
                median(cpuAgent), median(cpuPlain)));
        ready.note(String.format("fork → first Jolokia answer %.0f ms (median), fork → main without agent %.0f ms",
                readySamples.medianMs(), mainSamples.medianMs()));

        ready.note(phases(ctx, state));
        double[] agent = mean(agentFootprints);
        double[] plain = mean(plainFootprints);
        idleHeap.value((agent[2] - plain[2]) / (1 << 20));
        idleHeap.note(String.format("retained heap after full GC: %.1f MB with the agent, %.1f MB without (means of %d)",
                agent[2] / (1 << 20), plain[2] / (1 << 20), agentFootprints.size()));
        Map<String, Integer> added = new LinkedHashMap<>();
        namesAgent.forEach((name, count) -> {
            int extra = Math.round((count - namesPlain.getOrDefault(name, 0)) / (float) agentFootprints.size());
            if (extra != 0) {
                added.put(name, extra);
            }
        });
        return new Footprint(agent[0] / 1024, plain[0] / 1024, agent[1], plain[1], agent[2] / (1 << 20),
                plain[2] / (1 << 20), added);
    }

    /** Class-load milestones of the agent's start: each phase's first class, in JVM uptime. */
    private static final Map<String, String> MILESTONES = milestones();

    private static Map<String, String> milestones() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("main", "io.hatchway.bench.BenchHost ");
        m.put("agent", "io.hatchway.agent.HatchwayAgent ");
        m.put("task service", "io.hatchway.mbeans.TaskService ");
        m.put("Jolokia", "io.hatchway.jolokia.JolokiaExposure ");
        return m;
    }

    /**
     * One more start with the JVM's class-load log, to say where the start-up goes: from main to
     * the agent's first class, the backend (JNA, the runtime checks), the platform MBean server and
     * the task service, then Jolokia until the first answer.
     */
    private static String phases(Context ctx, Path state) {
        Path log = ctx.work.resolve("class-load.log");
        List<String> args = new ArrayList<>(List.of("-Xlog:class+load:file=" + log + ":uptime"));
        args.addAll(ctx.agentArgs("port=0,stateDir=" + state));
        try (HostJvm jvm = HostJvm.launch(args, ctx.hostJar())) {
            String started = jvm.awaitLine(l -> l.startsWith("[hatchway] started"), Duration.ofSeconds(60)).text();
            JolokiaClient.fromStartLine(started).call(
                    "{\"type\":\"read\",\"mbean\":\"hatchway:type=TaskService\",\"attribute\":\"Backend\"}");
            List<String> lines = java.nio.file.Files.readAllLines(log);
            Map<String, Double> at = new LinkedHashMap<>();
            MILESTONES.forEach((phase, marker) -> lines.stream().filter(l -> l.contains(marker)).findFirst()
                    .ifPresent(l -> at.put(phase, Double.parseDouble(l.substring(1, l.indexOf('s')))  * 1000)));
            double last = Double.parseDouble(lines.get(lines.size() - 1).substring(1,
                    lines.get(lines.size() - 1).indexOf('s'))) * 1000;
            return String.format("one start traced by the class-load log (JVM uptime, this start): main at %.0f ms;"
                    + " agent's first class +%.0f ms; backend (JNA, runtime checks) %.0f ms; platform MBean server and"
                    + " task service %.0f ms; Jolokia and the first answer %.0f ms",
                    at.get("main"), at.get("agent") - at.get("main"), at.get("task service") - at.get("agent"),
                    at.get("Jolokia") - at.get("task service"), last - at.get("Jolokia"));
        } catch (Exception e) {
            return "the traced start failed: " + e;
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? Double.NaN : sorted.get((sorted.size() - 1) / 2);
    }

    private static double[] mean(List<long[]> rows) {
        double[] out = new double[3];
        for (long[] row : rows) {
            for (int i = 0; i < out.length; i++) {
                out[i] += row[i] / (double) rows.size();
            }
        }
        return out;
    }
}
