package io.hatchway.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The runc backend's way of running an exec, without the JVM: {@code conmon} running {@code runc
 * exec --detach} with the same options Hatchway gives it, in {@code --sync} mode so the command
 * returns once the process has exited and conmon has written its exit file. Timed beside plain
 * {@code runc exec}, it is what the conmon design costs; the rest of Hatchway's exec round trip is
 * the agent's.
 */
final class ConmonExec {
    private final Path dir;
    private final RuncCli cli;
    private final Path bundle;
    private final String container;
    private final Path errors;
    private final Path processFile;
    private final String conmon;

    ConmonExec(Path dir, RuncCli cli, Path bundle, String container, Path errors) throws IOException {
        this.dir = dir;
        this.cli = cli;
        this.bundle = bundle;
        this.container = container;
        this.errors = errors;
        this.conmon = Commands.find("conmon").orElseThrow().toString();
        // The exec's process: the container's own, with /bin/true as its command (as Hatchway completes it).
        ObjectNode config = (ObjectNode) JolokiaClient.JSON.readTree(bundle.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) config.get("process").deepCopy();
        process.putArray("args").add("/bin/true");
        this.processFile = dir.resolve("process.json");
        Files.writeString(processFile, process.toString());
    }

    /** Runs exec number {@code n} and checks its exit file says 0. @return nanoseconds */
    long run(int n) throws IOException, InterruptedException {
        Path execDir = Files.createDirectories(dir.resolve("x" + n));
        Path exitDir = Files.createDirectories(execDir.resolve("exit"));
        List<String> argv = new ArrayList<>(List.of(conmon, "--api-version", "1", "--sync", "-c", container,
                "-u", "x" + n, "-n", container, "-r", Commands.find("runc").orElseThrow().toString(),
                "-b", bundle.toString(), "-p", execDir.resolve("pid").toString(),
                "-P", execDir.resolve("conmon.pid").toString(), "--exit-dir", exitDir.toString(),
                "-l", "passthrough"));
        for (String arg : List.of("--root", cli.root().toString(), "--log-format=json", "--log",
                execDir.resolve("runtime.log").toString())) {
            argv.add("--runtime-arg");
            argv.add(arg);
        }
        argv.addAll(List.of("-e", "--exec-process-spec", processFile.toString()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(argv).directory(execDir.toFile()).redirectInput(new java.io.File("/dev/null"))
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.appendTo(errors.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("conmon exec: no exit within 60 s");
        }
        long nanos = System.nanoTime() - start;
        Path exit = exitDir.resolve(container);
        String status = Files.exists(exit) ? Files.readString(exit).strip() : "(no exit file)";
        if (p.exitValue() != 0 || !status.equals("0")) {
            throw new IOException("conmon exec: exit status " + p.exitValue() + ", exit file " + status + "; "
                    + Commands.tail(errors));
        }
        Sweep.deleteTree(execDir);
        return nanos;
    }
}
