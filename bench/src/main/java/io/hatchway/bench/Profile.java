package io.hatchway.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the agent's own part of an exec goes: the same load as a figure (exec round trips run
 * back to back) profiled inside the agent's JVM with async-profiler (its native library, from the
 * {@code tools.profiler:async-profiler} jar on this class path, loaded through the Attach API), once
 * for CPU ({@code itimer}: every thread's CPU time, Java and native frames) and once for wall clock
 * ({@code wall}: every thread, running or blocked), each stack put in the first {@link #PHASES
 * phase} that one of its frames names. A third, unprofiled pass gives the CPU per exec: the agent
 * JVM's own ({@code /proc/<pid>/stat}) and the runtime's (everything else the JVM's cpuacct cgroup
 * counts — conmon, runc, the process — plus the container's cgroup, where runc's init runs).
 */
final class Profile {
    /** A phase a reader recognises, named by a frame ({@code a.b.C.method}) or a thread name. */
    record Phase(String name, Pattern frame, Pattern thread) {
        static Phase frames(String name, String regex) {
            return new Phase(name, Pattern.compile(regex), null);
        }

        static Phase threads(String name, String regex) {
            return new Phase(name, null, Pattern.compile(regex));
        }

        boolean matches(String thread, List<String> frames) {
            if (this.thread != null) {
                return this.thread.matcher(thread).find();
            }
            for (String f : frames) {
                if (frame.matcher(f).find()) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * In order: a stack goes to the first phase that names one of its frames (so registration of
     * the exec's MBean counts there even though Jolokia called it, and Jackson called by conmon's
     * launch counts as the launch).
     */
    static final List<Phase> PHASES = List.of(
            Phase.frames("MBean registration per exec (register/unregister)",
                    "\\.(Registrations|TaskMBeans)\\.(register|unregister)|Interceptor\\.(register|unregister)MBean"),
            Phase.frames("notifications", "sendNotification|\\.EventFanOut\\.|\\.Emitter\\."),
            Phase.frames("conmon spawn (posix_spawn + sync pipe until runc exec reports)",
                    "hcs\\.runc\\.conmon\\.(Conmon|SyncReport)\\."),
            Phase.frames("process spawn (posix_spawn)", "hcs\\.linux\\.PosixSpawn\\."),
            Phase.frames("wait until the process exec'd (ProcFs.awaitExec)", "ProcFs\\.awaitExec"),
            Phase.frames("stale-file clean-up (deletes)",
                    "deleteIfExists|\\.TaskDir\\.delete|\\.ExecFiles\\.delete|deleteTree|\\.MonitorDir\\.delete"),
            Phase.frames("state files (exec record, process.json, monitor, logs)",
                    "\\.TaskDir\\.write|\\.AtomicFile\\.|\\.Monitor\\.write|\\.ExecFiles\\.create|\\.SessionRecord\\."
                            + "|\\.OutputLog\\."),
            Phase.frames("exit-watch registration (request side)", "\\.ExitWatcher\\.(watch|exitOf|when)"),
            Phase.threads("exit path: watcher/reaper threads (inotify, exit file, waitpid)",
                    "hatchway-exit-watcher|hatchway-reaper"),
            Phase.frames("waitExec: blocked until the exit is known", "\\.Task\\.waitExec|\\.Exec\\.waitFor"),
            Phase.frames("JSON (Jackson, Jolokia's JSON)", "com\\.fasterxml\\.jackson|hcs\\.oci\\.Json|org\\.jolokia\\.json"
                    + "|JSONStructSerializer|JsonParser"),
            Phase.frames("Jolokia request handling", "org\\.jolokia\\.|io\\.hatchway\\.jolokia\\."),
            Phase.frames("JMX connector (RMI)", "sun\\.rmi\\.|javax\\.management\\.remote\\.|com\\.sun\\.jmx\\.remote\\."),
            Phase.frames("MBean dispatch (MXBean introspection, open types)",
                    "com\\.sun\\.jmx\\.|javax\\.management\\.|io\\.hatchway\\.mbeans\\..*MBean\\."),
            Phase.frames("HTTP server (JDK)", "sun\\.net\\.httpserver\\."),
            Phase.frames("other Hatchway code", "io\\.hatchway\\."),
            Phase.threads("JVM: JIT compilers", "CompilerThre|C1 Compiler|C2 Compiler"),
            Phase.threads("JVM: GC and VM threads", "GC |G1 |VM Thread|VM Periodic|Service Thread|Sweeper"),
            Phase.frames("other", "."));

    /** Frames that mean a request thread is serving a request (RMI call, HTTP exchange), not idle. */
    private static final Pattern IN_REQUEST = Pattern.compile("Transport\\.serviceCall|ServerImpl\\$Exchange\\.run"
            + "|io\\.hatchway\\.jolokia\\.JolokiaHandler\\.");
    /** RMI's connection threads; Jolokia's readers, and its long-wait threads where a bulk with waitExec is served. */
    private static final Pattern REQUEST_THREAD = Pattern.compile("RMI TCP Connection|hatchway-jolokia-(http|wait)");

    /** One load's breakdown: CPU ms per exec by phase, wall shares of the request threads, CPU per exec. */
    static final class Breakdown {
        final String load;
        int execs;
        double wallMsPerExec;
        double agentCpuMsPerExec = Double.NaN;
        double runtimeCpuMsPerExec = Double.NaN;
        double referenceCpuMsPerExec = Double.NaN;
        String referenceLabel = "";
        final Map<String, Double> cpuMsPerExec = new LinkedHashMap<>();
        final Map<String, Double> wallShare = new LinkedHashMap<>();
        final Map<String, Double> wallMs = new LinkedHashMap<>();
        double cpuProfiledMsPerExec;
        final List<String> notes = new ArrayList<>();

        Breakdown(String load) {
            this.load = load;
        }

        String table() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%n%s: %d execs per pass, %.2f ms wall per exec (back to back)",
                    load, execs, wallMsPerExec));
            out.append(String.format(Locale.ROOT, "%n    CPU per exec: agent JVM %s ms, runtime %s ms%s", num(agentCpuMsPerExec),
                    num(runtimeCpuMsPerExec), referenceLabel.isEmpty() ? ""
                            : "; " + referenceLabel + " " + num(referenceCpuMsPerExec) + " ms"));
            out.append(String.format(Locale.ROOT, "%n    %-68s %11s %12s %12s", "phase", "CPU ms/exec", "wall ms/exec",
                    "wall % req."));
            for (String phase : phases()) {
                double cpu = cpuMsPerExec.getOrDefault(phase, 0.0);
                double wall = wallShare.getOrDefault(phase, 0.0);
                if (cpu < 0.005 && wall < 0.05) {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "%n    %-68s %11.2f %12.2f %11.1f%%", phase, cpu,
                        wallMs.getOrDefault(phase, 0.0), wall));
            }
            double walls = wallShare.values().stream().mapToDouble(Double::doubleValue).sum();
            out.append(String.format(Locale.ROOT, "%n    %-68s %11.2f %12.2f %11.1f%%", "total", cpuProfiledMsPerExec,
                    wallMs.values().stream().mapToDouble(Double::doubleValue).sum(), walls));
            notes.forEach(n -> out.append("\n    ").append(n));
            return out.toString();
        }

        private List<String> phases() {
            List<String> out = new ArrayList<>();
            PHASES.forEach(p -> out.add(p.name()));
            return out;
        }

        private static String num(double v) {
            return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.2f", v);
        }
    }

    private Profile() {
    }

    /** async-profiler's library for this machine, copied out of its jar once per run; empty when there is none. */
    static synchronized Optional<Path> library(Context ctx) {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "linux-x64";
            case "aarch64" -> "linux-arm64";
            default -> "";
        };
        if (arch.isEmpty() || !System.getProperty("os.name").equals("Linux")) {
            return Optional.empty();
        }
        Path lib = ctx.work.resolve("libasyncProfiler.so");
        if (Files.isRegularFile(lib)) {
            return Optional.of(lib);
        }
        try (InputStream in = Profile.class.getClassLoader().getResourceAsStream(arch + "/libasyncProfiler.so")) {
            if (in == null) {
                return Optional.empty();
            }
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(lib);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Moves the host JVM into a cpuacct cgroup of the run's own ({@code /hatchway-bench/<run>/<name>}),
     * so that the CPU of every process it starts (conmon, runc) is counted; empty without cgroup v1
     * cpuacct or root. Containers keep their own cgroups (absolute cgroupsPath).
     */
    static Optional<Path> cpuCgroup(Context ctx, HostJvm jvm, String name) {
        Path root = Path.of("/sys/fs/cgroup/cpuacct");
        if (!Files.isRegularFile(root.resolve("cpuacct.usage"))) {
            return Optional.empty();
        }
        try {
            Path dir = Files.createDirectories(root.resolve(ctx.cgroup(name).substring(1)));
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(jvm.pid()));
            return Optional.of(dir);
        } catch (IOException e) {
            System.err.println("bench: no cpuacct cgroup for the host (" + e + "); the runtime's CPU is not measured");
            return Optional.empty();
        }
    }

    /** The cpuacct cgroup directory of process {@code pid}, if it has one. */
    static Optional<Path> cpuCgroupOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && List.of(f[1].split(",")).contains("cpuacct")) {
                    Path dir = Path.of("/sys/fs/cgroup/cpuacct" + f[2]);
                    return Files.isRegularFile(dir.resolve("cpuacct.usage")) ? Optional.of(dir) : Optional.empty();
                }
            }
        } catch (IOException e) { // gone
        }
        return Optional.empty();
    }

    static double usageMs(Optional<Path> cgroup) {
        if (cgroup.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(cgroup.get().resolve("cpuacct.usage")).strip()) / 1e6;
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** CPU time of this JVM's waited-for children (cutime + cstime), in ms. */
    static double childrenCpuMs() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10.0; // USER_HZ 100
    }

    /**
     * Runs {@code load} {@code execs} times three times over: unprofiled (wall and CPU per exec), under
     * the CPU profiler, under the wall-clock profiler.
     *
     * @param hostCgroup the host's cpuacct cgroup ({@link #cpuCgroup}), or empty
     * @param containerCgroup the cgroup the execs' processes run in when it is not the host's
     */
    static Breakdown measure(Context ctx, HostJvm jvm, String label, int execs, Alternation.ThrowingRunnable load,
            Optional<Path> hostCgroup, Optional<Path> containerCgroup) throws Exception {
        Breakdown b = new Breakdown(label);
        b.execs = execs;
        double jvmBefore = jvm.cpuMillis();
        double hostBefore = usageMs(hostCgroup);
        double containerBefore = usageMs(containerCgroup);
        long start = System.nanoTime();
        for (int i = 0; i < execs; i++) {
            load.run();
        }
        b.wallMsPerExec = (System.nanoTime() - start) / 1e6 / execs;
        double jvmCpu = jvm.cpuMillis() - jvmBefore;
        b.agentCpuMsPerExec = jvmCpu / execs;
        if (hostCgroup.isPresent()) {
            b.runtimeCpuMsPerExec = (usageMs(hostCgroup) - hostBefore - jvmCpu + usageMs(containerCgroup)
                    - containerBefore) / execs;
        }
        Optional<Path> lib = library(ctx);
        if (lib.isEmpty()) {
            b.notes.add("no profile: async-profiler has no library for this machine");
            return b;
        }
        try {
            // perf_events where the kernel lets us, else setitimer; either way the samples are spread
            // over the JVM's CPU time of the same pass, so the phases add up to what /proc counts.
            String event = "cpu";
            double cpuBefore = jvm.cpuMillis();
            Pass cpu;
            try {
                cpu = profile(jvm, lib.get(), event, CPU_INTERVAL_NS, ctx.work.resolve(slug(label) + "-cpu.collapsed"),
                        execs, load, false);
            } catch (Exception e) {
                event = "itimer";
                cpuBefore = jvm.cpuMillis();
                cpu = profile(jvm, lib.get(), event, CPU_INTERVAL_NS, ctx.work.resolve(slug(label) + "-cpu.collapsed"),
                        execs, load, false);
            }
            double cpuMs = jvm.cpuMillis() - cpuBefore;
            long samples = cpu.byPhase().values().stream().mapToLong(Long::longValue).sum();
            for (Map.Entry<String, Long> e : cpu.byPhase().entrySet()) {
                b.cpuMsPerExec.put(e.getKey(), samples == 0 ? 0 : cpuMs * e.getValue() / samples / execs);
            }
            b.cpuProfiledMsPerExec = cpuMs / execs;
            double jit = b.cpuMsPerExec.getOrDefault("JVM: JIT compilers", 0.0);
            if (jit > 0.2 * b.cpuProfiledMsPerExec) {
                b.notes.add(String.format(Locale.ROOT, "the JIT's compilers take %.0f%% of this CPU: the agent's JVM is"
                        + " still warming up (an exec runs thousands of methods a few times each; C2 gets to them"
                        + " over thousands of execs), which the figure's own samples pay too", 100 * jit
                        / b.cpuProfiledMsPerExec));
            }
            b.notes.add(String.format(Locale.ROOT, "CPU: %s samples every %.0f ms of CPU, all threads (%d samples, %.1f"
                    + " per exec), spread over the JVM's CPU of the profiled pass (%.2f ms per exec, profiler included)",
                    event, CPU_INTERVAL_NS / 1e6, samples, samples / (double) execs, cpuMs / execs));
            Pass wall = profile(jvm, lib.get(), "wall", WALL_INTERVAL_NS,
                    ctx.work.resolve(slug(label) + "-wall.collapsed"), execs, load, true);
            long all = wall.byPhase().values().stream().mapToLong(Long::longValue).sum();
            wall.byPhase().forEach((phase, n) -> {
                b.wallShare.put(phase, all == 0 ? 0 : 100.0 * n / all);
                b.wallMs.put(phase, n * wall.msPerTick() / execs);
            });
            b.notes.add(String.format(Locale.ROOT, "wall: the request threads (RMI connections, Jolokia's readers and"
                    + " long-wait threads) while they serve a request, sampled every %.0f ms asked, %.2f ms got (%d"
                    + " samples); sampling every thread slows the pass to %.2f ms per exec: compare the shares",
                    WALL_INTERVAL_NS / 1e6, wall.msPerTick(), all, wall.ms() / execs));
        } catch (Exception e) {
            b.notes.add("no profile: " + e);
        }
        return b;
    }

    /** The stacks' file name: {@code profile-<first word of the load>}. */
    private static String slug(String label) {
        return "profile-" + label.split(" ")[0].replaceAll("[^A-Za-z0-9]", "");
    }

    /** Copies the stacks of this run's profiles ({@code profile-*.collapsed}, async-profiler's collapsed format) to {@code out}. */
    static void keepStacks(Context ctx, Path out) {
        try (var files = Files.list(ctx.work)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("profile-")).toList()) {
                Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("bench: the profiles' stacks were not kept: " + e);
        }
    }

    private static final long CPU_INTERVAL_NS = 1_000_000;
    private static final long WALL_INTERVAL_NS = 1_000_000;

    /** A profiled pass: samples by phase, and the pass's wall time per sample of one thread. */
    record Pass(Map<String, Long> byPhase, double msPerTick, double ms) {
    }

    /**
     * One profiled pass: samples by phase (wall: request threads serving a request only). The wall
     * clock profiler samples every thread at each tick, so a thread's samples times the pass's
     * duration over the ticks (the most samples any thread got) is the thread's time.
     */
    private static Pass profile(HostJvm jvm, Path lib, String event, long intervalNs, Path out, int execs,
            Alternation.ThrowingRunnable load, boolean requestsOnly) throws Exception {
        command(jvm, lib, "start,event=" + event + ",interval=" + intervalNs + ",threads");
        long started = System.nanoTime();
        long ended;
        try {
            for (int i = 0; i < execs; i++) {
                load.run();
            }
        } finally {
            ended = System.nanoTime(); // the stop (writing the stacks) is no part of the pass
            command(jvm, lib, "stop,file=" + out + ",collapsed");
        }
        return classify(Files.readAllLines(out), (ended - started) / 1e6, requestsOnly);
    }

    /**
     * Samples by phase from async-profiler's collapsed stacks ({@code [thread tid=n];frame;...;leaf count},
     * Java frames as {@code a/b/C.method}) of a pass that took {@code ms}; with {@code requestsOnly},
     * only the samples of request threads serving a request.
     */
    static Pass classify(List<String> collapsed, double ms, boolean requestsOnly) {
        Map<String, Long> byPhase = new LinkedHashMap<>();
        Map<String, Long> byThread = new java.util.HashMap<>();
        for (String line : collapsed) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long count = Long.parseLong(line.substring(space + 1).strip());
            List<String> frames = new ArrayList<>(List.of(line.substring(0, space).split(";")));
            String thread = frames.isEmpty() ? "" : frames.remove(0);
            byThread.merge(thread, count, Long::sum);
            frames.replaceAll(f -> f.replace('/', '.'));
            if (requestsOnly && !(REQUEST_THREAD.matcher(thread).find()
                    && frames.stream().anyMatch(f -> IN_REQUEST.matcher(f).find()))) {
                continue;
            }
            for (Phase phase : PHASES) {
                if (phase.matches(thread, frames)) {
                    byPhase.merge(phase.name(), count, Long::sum);
                    break;
                }
            }
        }
        long ticks = byThread.values().stream().mapToLong(Long::longValue).max().orElse(0);
        return new Pass(byPhase, ticks == 0 ? 0 : ms / ticks, ms);
    }

    private static void command(HostJvm jvm, Path lib, String command) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(jvm.pid()));
        try {
            vm.loadAgentPath(lib.toString(), command);
        } finally {
            vm.detach();
        }
    }
}
