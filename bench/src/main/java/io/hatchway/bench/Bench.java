package io.hatchway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The benchmark of issue 5 in one run: every figure of the table, each side measured in
 * alternation with its reference, printed as a table and written to {@code results.json} with
 * charts beside it. Started by {@code bench/run}, which builds what it needs first.
 *
 * <p>Usage: {@code Bench --agent <hatchway-agent.jar> --out <dir>
 * [--quick] [--only start-up,process,runc,scale]}; {@code --quick} runs a tenth of the iterations, to
 * try the benchmark out; {@code --only} runs the suites whose names start so.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                options.put("quick", "true");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                System.err.println("usage: Bench --agent <jar> --out <dir> [--quick] [--only start-up,process,runc,scale]");
                System.exit(2);
            }
        }
        long started = System.nanoTime();
        if (options.containsKey("only")) {
            ONLY = List.of(options.get("only").split(","));
        }
        System.setProperty("http.maxConnections", "16"); // idle kept-alive connections per server
        Path out = Files.createDirectories(Path.of(options.getOrDefault("out", "bench/out")));
        Path agent = Path.of(options.getOrDefault("agent", "agent/target/hatchway-agent.jar")).toAbsolutePath();
        if (!Files.isRegularFile(agent)) {
            System.err.println("bench: no agent jar at " + agent + " (mvn -B -q package -DskipTests)");
            System.exit(2);
        }
        long pid = ProcessHandle.current().pid();
        String runId = "b" + Long.toString(pid, 36) + Long.toString(System.currentTimeMillis() / 1000 % 46656, 36);
        Context ctx = new Context(runId, Files.createTempDirectory("hatchway-bench-"), agent,
                options.containsKey("quick"));

        Figure processSpawn = new Figure("process_exec_vs_spawn", "x", Figure.Goal.AT_MOST, 1.5,
                "process backend: createExec + start + waitExec + deleteExec of /bin/true, 4 calls over local JMX"
                        + " (Attach API connector)",
                "ProcessBuilder(\"/bin/true\").start().waitFor() in this warm JVM");
        Figure processJolokia = new Figure("process_exec_jolokia_vs_jmx", "x", Figure.Goal.AT_MOST, 1.3,
                "the same round trip over Jolokia HTTP: one bulk request of the 4 operations (HttpURLConnection,"
                        + " kept-alive connection, basic authentication)",
                "the same over JMX (process_exec_vs_spawn's Hatchway side)");
        Figure runcCli = new Figure("runc_exec_vs_cli", "x", Figure.Goal.AT_MOST, 1.25,
                "runc backend: exec round trip of /bin/true over Jolokia (one bulk request: createExec, start,"
                        + " waitExec, deleteExec)",
                "runc exec <id> /bin/true run from this JVM as a shell would (its own --root, a container of the"
                        + " same root file system)");
        Figure runcCtr = new Figure("runc_exec_vs_ctr", "x", Figure.Goal.AT_MOST, 0.5,
                "the same as runc_exec_vs_cli (the same samples)",
                "ctr task exec of /bin/true on containerd (Debian's package, started by the benchmark: unix"
                        + " sockets only, root and state in a temporary folder, native snapshotter, busybox image"
                        + " imported from an archive built here)");
        Figure createStart = new Figure("runc_create_start_vs_cli", "x", Figure.Goal.AT_MOST, 1.25,
                "createTask + start of a busybox bundle, 2 calls over JMX (the task is deleted outside the timing)",
                "runc create + runc start of the same root file system (deleted outside the timing)");
        Figure stats = new Figure("stats_vs_runc_events", "x", Figure.Goal.AT_MOST, 0.1,
                "stats() on a running container over JMX", "runc events --stats <id>");
        Figure premain = new Figure("premain_block_ms", "ms", Figure.Goal.AT_MOST, 10,
                "time Hatchway's premain holds the host's main (between stamp agents just before and after it)", "");
        Figure ready = new Figure("ready_ms", "ms", Figure.Goal.AT_MOST, 1000,
                "extra time to ready: JVM fork → first answered Jolokia request (agent with default options,"
                        + " port 0), minus the reference",
                "the same JVM without the agent: fork → main");
        Figure idleHeap = new Figure("idle_heap_mb", "MB", Figure.Goal.AT_MOST, 8,
                "retained heap (after full GC) of an idle host with the agent and 0 tasks, minus the same host"
                        + " without the agent", "");
        Figure perExecHeap = new Figure("per_exec_heap_kb", "KB", Figure.Goal.AT_MOST, 20,
                "retained heap per live exec: 200 tasks with 5 running execs each (process backend), minus the 200"
                        + " tasks alone, over 1,000", "");
        Figure scalePids = new Figure("scale_pids_ms", "ms", Figure.Goal.AT_MOST, 5,
                "pids() over JMX, median, on random tasks with 200 tasks x 5 execs live (process backend; after 100"
                        + " warm-up calls)",
                "no reference in the issue; shown for context: one pass over /proc/*/stat from this JVM");
        Figure throughput = new Figure("throughput_vs_cli", "x", Figure.Goal.AT_LEAST, 0.8,
                "execs/s with 8 concurrent Jolokia clients (bulk exec round trips of /bin/true) on the runc backend",
                "execs/s of runc exec /bin/true with 8 concurrent shells");
        List<Figure> figures = List.of(processSpawn, processJolokia, runcCli, runcCtr, createStart, stats, premain,
                ready, idleHeap, perExecHeap, scalePids, throughput);
        Report report = new Report(figures);
        machine(report.machine);

        AtomicBoolean cleaned = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (cleaned.compareAndSet(false, true)) {
                System.err.println("bench: interrupted; cleaning up");
                ctx.cleanUp();
                Sweep.run(ctx);
            }
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);

        System.out.println("bench: run " + runId + ", work folder " + ctx.work + (ctx.quick ? " (quick run)" : ""));
        try {
            suite("start-up and footprint", List.of(premain, ready, idleHeap), () -> {
                StartupSuite.Footprint f = StartupSuite.run(ctx, premain, ready, idleHeap);
                report.footprint.put("threads added by the agent", String.format(Locale.ROOT,
                        "%.1f (%.1f with, %.1f without)", f.threadsAgent() - f.threadsPlain(), f.threadsAgent(),
                        f.threadsPlain()));
                report.footprint.put("RSS added by the agent", String.format(Locale.ROOT,
                        "%.1f MB (%.1f MB with, %.1f MB without)", f.rssMbAgent() - f.rssMbPlain(), f.rssMbAgent(),
                        f.rssMbPlain()));
                report.footprint.put("retained heap added by the agent", String.format(Locale.ROOT,
                        "%.1f MB (%.1f MB with, %.1f MB without)", f.heapMbAgent() - f.heapMbPlain(),
                        f.heapMbAgent(), f.heapMbPlain()));
                report.footprint.put("threads added, by name (digits as #)", f.threadsAdded().toString());
            });
            suite("process backend", List.of(processSpawn, processJolokia), () ->
                    ProcessSuite.run(ctx, processSpawn, processJolokia));
            RuncSuite.Figures runc = new RuncSuite.Figures(runcCli, runcCtr, createStart, stats, throughput);
            Optional<String> noContainers = RuncSuite.unavailable();
            if (noContainers.isPresent() && (ONLY.isEmpty() || ONLY.contains("runc"))) {
                runc.all().forEach(f -> f.skip(noContainers.get()));
            } else {
                suite("runc backend", runc.all(), () -> RuncSuite.run(ctx, runc));
            }
            suite("scale (process backend)", List.of(perExecHeap, scalePids), () ->
                    ScaleSuite.run(ctx, perExecHeap, scalePids));
        } finally {
            if (cleaned.compareAndSet(false, true)) {
                System.out.println("bench: cleaning up");
                Profile.keepStacks(ctx, out);
                ctx.cleanUp();
                report.leftovers.addAll(Sweep.run(ctx));
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        report.machine.put("load average at the end", loadAverage());
        report.totalSeconds = (System.nanoTime() - started) / 1e9 + Double.parseDouble(
                System.getProperty("bench.build.seconds", "0"));
        try {
            for (Path chart : Charts.write(figures, out)) {
                System.out.println("bench: wrote " + chart);
            }
        } catch (Exception | Error e) {
            System.err.println("bench: charts failed: " + e);
        }
        report.writeJson(out.resolve("results.json"));
        String table = report.table();
        Files.writeString(out.resolve("results.txt"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("bench: wrote " + out.resolve("results.json") + " and " + out.resolve("results.txt"));
        System.exit(0); // daemon threads of JMX and HTTP clients must not keep the run alive
    }

    /** Suites to run, by the start of their name ({@code --only start-up,runc}); empty: all. */
    private static List<String> ONLY = List.of();

    @FunctionalInterface
    private interface Suite {
        void run() throws Exception;
    }

    /** Runs a suite; a failure fails its figures that have no value yet, and the run goes on. */
    private static void suite(String name, List<Figure> figures, Suite suite) {
        if (!ONLY.isEmpty() && ONLY.stream().noneMatch(name::startsWith)) {
            figures.forEach(f -> f.skip("not asked for (--only " + String.join(",", ONLY) + ")"));
            return;
        }
        long start = System.nanoTime();
        System.out.println("bench: " + name + " ...");
        try {
            suite.run();
        } catch (Exception | Error e) {
            System.err.println("bench: " + name + " failed:");
            e.printStackTrace();
            figures.forEach(f -> f.fail(name + ": " + e));
        }
        System.out.printf(Locale.ROOT, "bench: %s done in %.0f s%n", name, (System.nanoTime() - start) / 1e9);
        figures.stream().filter(Figure::pending).forEach(f -> f.fail(name + " did not measure it"));
    }

    private static void machine(Map<String, String> machine) {
        machine.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        machine.put("kernel", read("/proc/sys/kernel/osrelease"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        for (String tool : List.of("runc", "conmon", "containerd")) {
            machine.put(tool, version(tool));
        }
        machine.put("load average at the start", loadAverage());
    }

    private static String version(String tool) {
        if (Commands.find(tool).isEmpty()) {
            return "not installed";
        }
        try {
            String out = Commands.run(List.of(tool, "--version"), Duration.ofSeconds(20)).stdout();
            return out.lines().findFirst().orElse("?").strip();
        } catch (IOException | InterruptedException e) {
            return "? (" + e + ")";
        }
    }

    static String loadAverage() {
        return read("/proc/loadavg");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
