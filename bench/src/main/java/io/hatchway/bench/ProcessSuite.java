package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        TaskClient tasks = host.tasks();
        String task = "bp-" + ctx.runId;
        tasks.createTask(task, bundle.toString(), "");
        tasks.start(task, "");
        ctx.onCleanup("task " + task, () -> tasks.deleteTask(task));

        String process = "{\"args\":[\"/bin/true\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + ctx.marker()
                + "\"],\"cwd\":\"/\"}";
        AtomicInteger execs = new AtomicInteger();
        Map<String, Samples> samples = new Alternation()
                .add(SPAWN, () -> {
                    long start = System.nanoTime();
                    Process p = new ProcessBuilder("/bin/true").start();
                    int code = p.waitFor();
                    long nanos = System.nanoTime() - start;
                    p.getInputStream().close();
                    p.getErrorStream().close();
                    p.getOutputStream().close();
                    check(code == 0, "/bin/true exited with " + code);
                    return nanos;
                })
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
                .run(ctx.iterations(100, 10), ctx.iterations(400, 40));

        vsSpawn.hatchway = samples.get(JMX);
        vsSpawn.reference = samples.get(SPAWN);
        vsSpawn.ratioOfMedians();
        jolokiaVsJmx.hatchway = samples.get(JOLOKIA);
        jolokiaVsJmx.reference = samples.get(JMX);
        jolokiaVsJmx.ratioOfMedians();
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
