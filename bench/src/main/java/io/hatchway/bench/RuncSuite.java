package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runc figures: an exec round trip of {@code /bin/true} over Jolokia against {@code runc exec}
 * and {@code ctr task exec}; createTask+start against {@code runc create} + {@code runc start};
 * {@code stats()} against {@code runc events --stats}; and execs per second with 8 concurrent
 * clients against 8 concurrent {@code runc exec} shells. Every container is an idle busybox
 * {@code sleep} made from the same root file system.
 */
final class RuncSuite {
    static final String HATCHWAY_EXEC = "Hatchway exec (Jolokia bulk)";
    static final String RUNC_EXEC = "runc exec";
    static final String CTR_EXEC = "ctr task exec";
    static final String CONMON_EXEC = "conmon --sync running runc exec, no JVM (the backend's launch)";
    static final String JOLOKIA_FLOOR = "Jolokia bulk of 4 attribute reads";
    static final int CLIENTS = 8;

    /** The Figures of this suite. */
    record Figures(Figure execVsCli, Figure execVsCtr, Figure createStart, Figure stats, Figure throughput) {
        List<Figure> all() {
            return List.of(execVsCli, execVsCtr, createStart, stats, throughput);
        }
    }

    private RuncSuite() {
    }

    /** Why containers cannot be run here, or empty. */
    static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("runc containers need root (the benchmark runs as " + System.getProperty("user.name")
                    + ")");
        }
        for (String binary : List.of("runc", "conmon")) {
            if (Commands.find(binary).isEmpty()) {
                return Optional.of(binary + " is not installed (apt-get install -y " + binary + ")");
            }
        }
        if (!Files.isExecutable(Busybox.BUSYBOX)) {
            return Optional.of("no static busybox at /bin/busybox (apt-get install -y busybox-static)");
        }
        if (!Files.isDirectory(Path.of("/sys/fs/cgroup"))) {
            return Optional.of("no cgroup file system at /sys/fs/cgroup");
        }
        return Optional.empty();
    }

    static void run(Context ctx, Figures figures) throws Exception {
        String marker = ctx.marker();
        Path rootfs = Busybox.rootfs(ctx.dir("rootfs"));
        Path errors = ctx.work.resolve("runtime-errors.log");

        // Hatchway's side: a runc backend host and one long-lived container.
        Path state = ctx.dir("runc-state");
        Path hatchwayRoot = state.resolve("runc/runtime/runc");
        Path bundle = Busybox.bundle(ctx.work.resolve("hatchway-bundle"), rootfs, List.of("/bin/sleep", "3600"),
                List.of(marker), "");
        Context.Host host = ctx.startHost("runc", state, List.of());
        ctx.onCleanup("runc backend host", () -> {
            host.jvm().close();
            RuncCli leftovers = new RuncCli(hatchwayRoot, errors);
            if (Files.isDirectory(hatchwayRoot)) {
                for (String id : leftovers.list()) {
                    System.err.println("bench: container " + id + " left under Hatchway's root; deleting it");
                    leftovers.deleteForce(id);
                }
            }
        });
        Optional<Path> hostCgroup = Profile.cpuCgroup(ctx, host.jvm(), "runc-host");
        TaskClient tasks = host.tasks();
        String task = "br-" + ctx.runId;
        tasks.createTask(task, bundle.toString(), "");
        ctx.onCleanup("task " + task, () -> tasks.deleteTask(task));
        int taskPid = tasks.start(task, "");

        // The runc CLI's side: a container of the same root file system under a root of its own.
        RuncCli cli = new RuncCli(ctx.dir("runc-cli-root"), errors);
        String cliContainer = "bc-" + ctx.runId;
        Path cliBundle = Busybox.bundle(ctx.work.resolve("cli-bundle"), rootfs, List.of("/bin/sleep", "3600"),
                List.of(marker), ctx.cgroup(cliContainer));
        ctx.onCleanup("runc container " + cliContainer, () -> cli.deleteForce(cliContainer));
        cli.createStart(cliContainer, cliBundle);

        // containerd's side, when it is installed.
        Optional<String> noContainerd = Containerd.unavailable();
        Containerd containerd = null;
        String ctrContainer = "bx-" + ctx.runId;
        if (noContainerd.isEmpty()) {
            try { // containerd's trouble fails its figure only
                Path dir = ctx.dir("containerd");
                Containerd started = Containerd.start(dir);
                ctx.onCleanup("containerd", started::close);
                String listeners = started.tcpListeners();
                figures.execVsCtr.note(listeners.isEmpty() ? "containerd " + started.pid()
                        + ": unix sockets only (no TCP listener), native snapshotter, root and state in " + dir
                        : "containerd listens on TCP " + listeners);
                started.importImage(Busybox.imageArchive(rootfs, ctx.dir("image-work"), dir.resolve("busybox.tar")));
                started.run(ctrContainer, ctx.cgroup(ctrContainer), marker);
                containerd = started;
            } catch (Exception e) {
                figures.execVsCtr.fail("containerd could not be set up: " + e.getMessage());
            }
        } else {
            figures.execVsCtr.skip(noContainerd.get());
        }

        String process = "{\"args\":[\"/bin/true\"]}";
        AtomicInteger execs = new AtomicInteger();
        ConmonExec conmon = new ConmonExec(ctx.dir("conmon"), cli, cliBundle, cliContainer, errors);
        Alternation exec = new Alternation()
                .add(HATCHWAY_EXEC, Alternation.whole(() -> execOverJolokia(host.jolokia(), task,
                        "x" + execs.incrementAndGet(), process)))
                .add(RUNC_EXEC, () -> cli.exec(cliContainer, "/bin/true"))
                .add(CONMON_EXEC, () -> conmon.run(execs.incrementAndGet()))
                .add(JOLOKIA_FLOOR, Alternation.whole(() -> host.jolokia().call(ProcessSuite.fourReads(task))));
        if (containerd != null) {
            Containerd c = containerd;
            exec.add(CTR_EXEC, () -> Commands.timed(c.exec(ctrContainer, "x" + execs.incrementAndGet(), "/bin/true"),
                    errors));
        }
        Map<String, Samples> execSamples = exec.run(ctx.iterations(5, 2), ctx.iterations(60, 6));
        figures.execVsCli.hatchway = execSamples.get(HATCHWAY_EXEC);
        figures.execVsCli.reference = execSamples.get(RUNC_EXEC);
        figures.execVsCli.ratioOfMedians();
        figures.execVsCli.alternatives.add(execSamples.get(CONMON_EXEC));
        figures.execVsCli.alternatives.add(execSamples.get(JOLOKIA_FLOOR));
        double agentPart = execSamples.get(HATCHWAY_EXEC).medianMs() - execSamples.get(CONMON_EXEC).medianMs()
                - execSamples.get(JOLOKIA_FLOOR).medianMs();
        figures.execVsCli.note(String.format("conmon's launch alone is %.2f x runc exec; the agent's own part (Hatchway"
                + " − conmon launch − Jolokia floor, medians) is %.1f ms",
                execSamples.get(CONMON_EXEC).medianMs() / execSamples.get(RUNC_EXEC).medianMs(), agentPart));
        figures.execVsCli.note(memoryPerLiveExec(tasks, task, cli, cliContainer));
        int profiled = ctx.iterations(100, 20);
        Profile.Breakdown breakdown = Profile.measure(ctx, host.jvm(), "runc exec over Jolokia (this figure's load)",
                profiled, () -> execOverJolokia(host.jolokia(), task, "p" + execs.incrementAndGet(), process), hostCgroup,
                Profile.cpuCgroupOf(taskPid));
        Optional<Path> cliCgroup = Optional.of(Path.of("/sys/fs/cgroup/cpuacct" + ctx.cgroup(cliContainer)))
                .filter(Files::isDirectory);
        double children = Profile.childrenCpuMs();
        double cliContainerCpu = Profile.usageMs(cliCgroup);
        for (int i = 0; i < profiled; i++) {
            cli.exec(cliContainer, "/bin/true");
        }
        breakdown.referenceLabel = "runc exec from a shell (runc and its init, the process)";
        breakdown.referenceCpuMsPerExec = (Profile.childrenCpuMs() - children + Profile.usageMs(cliCgroup)
                - cliContainerCpu) / profiled;
        figures.execVsCli.breakdown = breakdown;
        if (containerd != null) {
            figures.execVsCtr.hatchway = execSamples.get(HATCHWAY_EXEC);
            figures.execVsCtr.reference = execSamples.get(CTR_EXEC);
            figures.execVsCtr.ratioOfMedians();
            figures.execVsCtr.alternatives.add(execSamples.get(RUNC_EXEC));
            figures.execVsCtr.note(String.format("floor of this figure: runc exec alone / ctr task exec = %.2f (Hatchway"
                    + " runs runc's exec itself)", execSamples.get(RUNC_EXEC).medianMs()
                    / execSamples.get(CTR_EXEC).medianMs()));
        }

        createStart(ctx, figures.createStart, tasks, bundle, cli, rootfs);
        stats(ctx, figures.stats, tasks, task, new RuncCli(hatchwayRoot, errors));
        throughput(ctx, figures.throughput, host.startLine(), task, cli, cliContainer);
    }

    /**
     * What one live exec holds on the host, for the design choice behind the launch: Hatchway's exec
     * is watched by a conmon of its own (the exec's parent), where without conmon the JVM would
     * keep an attached {@code runc exec} per exec, as the reference's shell does.
     */
    static String memoryPerLiveExec(TaskClient tasks, String task, RuncCli cli, String cliContainer)
            throws Exception {
        tasks.createExec(task, "rss", "{\"args\":[\"/bin/sleep\",\"3\"]}");
        int pid = tasks.start(task, "rss");
        Process attached = new ProcessBuilder(cli.argv("exec", cliContainer, "/bin/sleep", "3"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(1500); // both settled, both still running
            long conmon = HostJvm.statusField(parentOf(pid), "VmRSS:");
            long runcExec = HostJvm.statusField(attached.pid(), "VmRSS:");
            return String.format("memory per live exec: its conmon holds %.1f MB RSS; an attached runc exec (the"
                    + " launch without conmon) holds %.1f MB", conmon / 1024.0, runcExec / 1024.0);
        } finally {
            attached.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            tasks.waitExec(task, "rss", 30_000);
            tasks.deleteExec(task, "rss");
        }
    }

    private static int parentOf(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    /** One exec round trip in one bulk request; the exec must exit 0. */
    static void execOverJolokia(JolokiaClient jolokia, String task, String execId, String process) throws Exception {
        JsonNode answers = jolokia.call(JolokiaClient.execRoundTrip(task, execId, process));
        long code = answers.get(2).path("value").path("exitStatus").asLong(-1);
        ProcessSuite.check(code == 0, "exec " + execId + " exited with " + code);
    }

    private static void createStart(Context ctx, Figure figure, TaskClient tasks, Path bundle, RuncCli cli,
            Path rootfs) throws Exception {
        String cliId = "bs-" + ctx.runId;
        Path cliBundle = Busybox.bundle(ctx.work.resolve("cli-cs-bundle"), rootfs, List.of("/bin/sleep", "3600"),
                List.of(ctx.marker()), ctx.cgroup(cliId));
        AtomicInteger n = new AtomicInteger();
        Map<String, Samples> samples = new Alternation()
                .add("Hatchway createTask+start (JMX)", () -> {
                    String id = "bt-" + ctx.runId + "-" + n.incrementAndGet();
                    long start = System.nanoTime();
                    tasks.createTask(id, bundle.toString(), "");
                    tasks.start(id, "");
                    long nanos = System.nanoTime() - start;
                    tasks.deleteTask(id);
                    return nanos;
                })
                .add("runc create + runc start", () -> {
                    long nanos = cli.createStart(cliId, cliBundle);
                    cli.deleteForce(cliId);
                    return nanos;
                })
                .run(ctx.iterations(3, 1), ctx.iterations(25, 3));
        figure.hatchway = samples.get("Hatchway createTask+start (JMX)");
        figure.reference = samples.get("runc create + runc start");
        figure.ratioOfMedians();
    }

    private static void stats(Context ctx, Figure figure, TaskClient tasks, String task, RuncCli hatchwayRoot)
            throws Exception {
        for (int i = 0; i < ctx.iterations(500, 50); i++) { // the JIT's warm-up: a runtime command needs none
            tasks.stats(task);
        }
        Map<String, Samples> samples = new Alternation()
                .add("stats() over JMX", Alternation.whole(() -> tasks.stats(task)))
                .add("runc events --stats", () -> hatchwayRoot.eventsStats(task))
                .run(ctx.iterations(10, 2), ctx.iterations(150, 15));
        figure.hatchway = samples.get("stats() over JMX");
        figure.reference = samples.get("runc events --stats");
        figure.note("both read the same container (Hatchway's task, under Hatchway's runc root); 500 stats() calls"
                + " warm the JIT before the alternation");
        figure.ratioOfMedians();
    }

    /**
     * Execs per second with {@link #CLIENTS} concurrent clients, in four phases ordered A B B A so
     * a linear drift of the machine weighs on both sides alike.
     */
    private static void throughput(Context ctx, Figure figure, String startLine, String task, RuncCli cli,
            String cliContainer) throws Exception {
        Duration phase = Duration.ofSeconds(ctx.quick ? 2 : 8);
        Samples hatchway = new Samples("Hatchway, 8 Jolokia clients");
        Samples reference = new Samples("runc exec, 8 shells");
        AtomicInteger execs = new AtomicInteger();
        String process = "{\"args\":[\"/bin/true\"]}";
        double[] hatchwayTotals = new double[2]; // completions, seconds
        double[] referenceTotals = new double[2];
        for (boolean hatchwayPhase : new boolean[] {true, false, false, true}) {
            double[] result;
            if (hatchwayPhase) {
                result = concurrently(phase, hatchway, () -> {
                    JolokiaClient client = JolokiaClient.fromStartLine(startLine);
                    return Alternation.whole(() -> execOverJolokia(client, task, "t" + execs.incrementAndGet(),
                            process));
                });
            } else {
                result = concurrently(phase, reference, () -> () -> cli.exec(cliContainer, "/bin/true"));
            }
            double[] totals = hatchwayPhase ? hatchwayTotals : referenceTotals;
            totals[0] += result[0];
            totals[1] += result[1];
        }
        double hatchwayRate = hatchwayTotals[0] / hatchwayTotals[1];
        double referenceRate = referenceTotals[0] / referenceTotals[1];
        figure.hatchway = hatchway;
        figure.reference = reference;
        figure.value(hatchwayRate / referenceRate);
        figure.note(String.format("execs/s: Hatchway %.1f, runc exec %.1f (%d clients, 4 phases of %d s, A B B A)",
                hatchwayRate, referenceRate, CLIENTS, phase.toSeconds()));
    }

    @FunctionalInterface
    interface ClientFactory {
        Alternation.Timed newClient() throws Exception;
    }

    /**
     * {@link #CLIENTS} clients, each repeating its action until {@code phase} is over; each
     * action's latency goes to {@code samples}. @return {completions, seconds until the last one}
     */
    static double[] concurrently(Duration phase, Samples samples, ClientFactory factory) throws Exception {
        List<Alternation.Timed> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(factory.newClient());
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            long start = System.nanoTime();
            long end = start + phase.toNanos();
            List<Future<Integer>> done = new ArrayList<>();
            for (Alternation.Timed client : clients) {
                done.add(pool.submit(() -> {
                    int count = 0;
                    while (System.nanoTime() < end) {
                        samples.add(client.run());
                        count++;
                    }
                    return count;
                }));
            }
            int completions = 0;
            for (Future<Integer> f : done) {
                completions += f.get();
            }
            return new double[] {completions, (System.nanoTime() - start) / 1e9};
        } finally {
            pool.shutdownNow();
        }
    }
}
