package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code process_exec_vs_spawn} and {@code process_exec_jolokia_vs_jmx}: one exec round trip of
 * {@code /bin/true} on the process backend (createExec, start, waitExec, deleteExec) over local JMX
 * and over Jolokia (one bulk request), against {@code ProcessBuilder.start().waitFor()} in this
 * warm JVM — three contenders in one alternation.
 */
final class ProcessSuite {
    static final String SPAWN = "ProcessBuilder /bin/true";
    static final String JMX = "exec over JMX";
    static final String JOLOKIA = "exec over Jolokia bulk";
    static final String SETSID = "ProcessBuilder setsid /bin/true (the backend's launch until issue 5)";
    static final String POSIX_SPAWN = "posix_spawn with POSIX_SPAWN_SETSID /bin/true + waitpid (the backend's launch)";
    static final String JMX_FLOOR = "4 JMX calls that do nothing (attribute reads)";
    static final String JOLOKIA_FLOOR = "Jolokia bulk of 4 attribute reads";

    private ProcessSuite() {
    }

    /** A bundle for the process backend: {@code config.json} only, its process {@code args}. */
    static Path bundle(Path dir, List<String> args, String marker) throws Exception {
        Files.createDirectories(dir);
        var config = JolokiaClient.JSON.createObjectNode();
        config.put("ociVersion", "1.0.2");
        var process = config.putObject("process");
        args.forEach(process.putArray("args")::add);
        process.putArray("env").add("PATH=/usr/bin:/bin").add(marker);
        process.put("cwd", "/");
        config.putObject("root").put("path", "rootfs");
        Files.writeString(dir.resolve("config.json"), config.toString());
        return dir;
    }

    static void run(Context ctx, Figure vsSpawn, Figure jolokiaVsJmx) throws Exception {
        Path bundle = bundle(ctx.work.resolve("process-bundle"), List.of("/bin/sleep", "3600"), ctx.marker());
        Context.Host host = ctx.startHost("process", ctx.dir("process-state"), List.of());
        ctx.onCleanup("process backend host", host.jvm()::close);
        Optional<Path> hostCgroup = Profile.cpuCgroup(ctx, host.jvm(), "process-host");
        TaskClient tasks = host.tasks();
        String task = "bp-" + ctx.runId;
        tasks.createTask(task, bundle.toString(), "");
        tasks.start(task, "");
        ctx.onCleanup("task " + task, () -> tasks.deleteTask(task));

        String process = "{\"args\":[\"/bin/true\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + ctx.marker()
                + "\"],\"cwd\":\"/\"}";
        AtomicInteger execs = new AtomicInteger();
        String setsid = Commands.find("setsid").orElseThrow().toString();
        Map<String, Samples> samples = new Alternation()
                .add(SPAWN, () -> spawn("/bin/true"))
                .add(JMX, Alternation.whole(() -> {
                    long code = tasks.execRoundTrip(task, "e" + execs.incrementAndGet(), process);
                    check(code == 0, "exec exited with " + code);
                }))
                .add(JOLOKIA, Alternation.whole(() -> {
                    JsonNode answers = host.jolokia().call(
                            JolokiaClient.execRoundTrip(task, "e" + execs.incrementAndGet(), process));
                    long code = answers.get(2).path("value").path("exitStatus").asLong(-1);
                    check(code == 0, "exec exited with " + code);
                }))
                .add(SETSID, () -> spawn(setsid, "/bin/true"))
                .add(POSIX_SPAWN, () -> PosixSpawn.spawnAndWait("/bin/true"))
                .add(JMX_FLOOR, Alternation.whole(() -> {
                    for (int i = 0; i < 4; i++) {
                        host.jvm().jmx().getAttribute(TaskClient.task(task), "Status");
                    }
                }))
                .add(JOLOKIA_FLOOR, Alternation.whole(() -> host.jolokia().call(fourReads(task))))
                .run(ctx.iterations(60, 10), ctx.iterations(300, 30));

        vsSpawn.hatchway = samples.get(JMX);
        vsSpawn.reference = samples.get(SPAWN);
        vsSpawn.ratioOfMedians();
        vsSpawn.alternatives.add(samples.get(SETSID));
        vsSpawn.alternatives.add(samples.get(POSIX_SPAWN));
        vsSpawn.alternatives.add(samples.get(JMX_FLOOR));
        vsSpawn.note(String.format("the agent's own part (Hatchway − posix_spawn launch − JMX floor, medians) is %.1f ms;"
                + " with the ProcessBuilder + setsid launch it replaced the round trip would be about %.2f x the reference",
                samples.get(JMX).medianMs() - samples.get(POSIX_SPAWN).medianMs() - samples.get(JMX_FLOOR).medianMs(),
                (samples.get(JMX).medianMs() - samples.get(POSIX_SPAWN).medianMs() + samples.get(SETSID).medianMs())
                        / samples.get(SPAWN).medianMs()));
        int profiled = ctx.iterations(300, 30);
        vsSpawn.breakdown = Profile.measure(ctx, host.jvm(), "process exec over JMX (this figure's load)", profiled,
                () -> {
                    long code = tasks.execRoundTrip(task, "p" + execs.incrementAndGet(), process);
                    check(code == 0, "exec exited with " + code);
                }, hostCgroup, Optional.empty());
        double children = Profile.childrenCpuMs();
        for (int i = 0; i < profiled; i++) {
            spawn("/bin/true");
        }
        vsSpawn.breakdown.referenceLabel = "the reference's child (/bin/true from ProcessBuilder)";
        vsSpawn.breakdown.referenceCpuMsPerExec = (Profile.childrenCpuMs() - children) / profiled;
        jolokiaVsJmx.alternatives.add(samples.get(JOLOKIA_FLOOR));
        jolokiaVsJmx.alternatives.add(samples.get(JMX_FLOOR));
        jolokiaVsJmx.hatchway = samples.get(JOLOKIA);
        jolokiaVsJmx.reference = samples.get(JMX);
        jolokiaVsJmx.ratioOfMedians();
    }

    /** {@code ProcessBuilder(command).start().waitFor()}, timed; the streams are closed afterwards. */
    static long spawn(String... command) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).start();
        int code = p.waitFor();
        long nanos = System.nanoTime() - start;
        p.getInputStream().close();
        p.getErrorStream().close();
        p.getOutputStream().close();
        check(code == 0, String.join(" ", command) + " exited with " + code);
        return nanos;
    }

    /** A bulk request of four reads of the task's attributes: the Jolokia round trip with no work behind it. */
    static String fourReads(String task) {
        String read = "{\"type\":\"read\",\"mbean\":\"hatchway:type=Task,name=" + task + "\",\"attribute\":\"Status\"}";
        return "[" + String.join(",", read, read, read, read) + "]";
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
