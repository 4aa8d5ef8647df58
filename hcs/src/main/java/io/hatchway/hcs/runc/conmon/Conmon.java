package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.Threads;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.cli.Io;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * conmon, the container monitor of Podman and CRI-O, as the parent of every container and exec
 * Hatchway runs. conmon runs the runtime's {@code create} (or {@code exec --detach}), becomes the
 * subreaper of the process, and writes its exit status into a file of its exit directory when it
 * ends. The JVM never becomes a subreaper and reaps only the short-lived launcher it starts.
 *
 * <p>Thread-safe; every wait is bounded by the timeout given at construction.
 */
public final class Conmon {
    /*
     * The sync pipe. conmon reports the process's pid on the file descriptor named by
     * _OCI_SYNCPIPE as one JSON line, {"data": <pid>} (api-version 1), or {"data": -1, "message": ...}
     * when the runtime failed, and keeps the descriptor open until the process exits (for an exec
     * it writes the exit code there too). So: read exactly one line, never to the end.
     *
     * java.lang.ProcessBuilder passes only fds 0-2 to a child. Rather than a native helper or
     * posix_spawn through JNA (which would also make the JVM wait for and reap the child by hand),
     * the pipe is a FIFO in the monitor directory and a POSIX shell opens it as fd 3 before
     * exec'ing conmon: sh -c 'exec 3>"$0" && exec "$@"' <fifo> conmon <args>. A reader thread opens
     * the FIFO for reading, which rendezvouses with the shell's open for writing. The JVM holds only
     * the read end, so an end-of-file means conmon is gone without reporting (with passthrough
     * logging the runtime's error goes to the runtime log, read then). Should the shell never open
     * the FIFO, or conmon never answer, the JVM opens the FIFO for writing itself: that completes a
     * reader still blocked in open(2) and lets it see end-of-file, or writes an empty line to wake
     * it, so no thread is left behind.
     *
     * Stdio: conmon runs with "-l passthrough": the runtime, and through it the container process,
     * inherits conmon's standard streams, which the launcher opens on the caller's files in append
     * mode. The output lands in those files as the plain text the process wrote, with no copying
     * thread in the JVM and no k8s-file framing to undo, and it keeps flowing while the JVM is
     * down. The cost: no terminal (conmon needs its own log for a console).
     */
    private static final ExecutorService READERS = Threads.shortLived("hatchway-conmon-sync-");
    private static final Pattern PROCESS_ERROR = Pattern.compile(
            "(?i)(executable file.*not found|exec: .*(no such file or directory|permission denied|exec format error)"
                    + "|exec format error|chdir to|permission denied.*exec|not a directory)");

    private final Path binary;
    private final Duration timeout;

    /**
     * @param binary the conmon executable
     * @param timeout bound of a launch: from starting conmon to the pid on the sync pipe
     */
    public Conmon(Path binary, Duration timeout) {
        this.binary = Objects.requireNonNull(binary);
        this.timeout = Objects.requireNonNull(timeout);
    }

    /** {@code conmon} on {@code PATH} or in the usual system directories. */
    public static Optional<Path> find() {
        return OciRuntime.find("conmon");
    }

    public Path binary() {
        return binary;
    }

    /**
     * Runs {@code runtime create} of container {@code containerId} from {@code bundle} under a new
     * conmon. Returns once the container is created (its init process waits for {@code start}).
     * The init process's streams are {@code io}.
     *
     * @throws HatchwayException InvalidArgument when the runtime cannot launch the process (missing
     *     binary, bad cwd), Unavailable for any other failure of conmon or the runtime (their own
     *     message), DeadlineExceeded when conmon did not report within the timeout (it is killed)
     */
    public Monitor create(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, Io io) {
        return launch(runtime, containerId, bundle, Optional.empty(), dir, io);
    }

    /**
     * Runs {@code runtime exec --detach} of {@code dir.processFile()} in container {@code containerId}
     * under a new conmon. Returns once the process runs. Errors as {@link #create}.
     */
    public Monitor exec(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, Io io) {
        return launch(runtime, containerId, bundle, Optional.of(dir.processFile()), dir, io);
    }

    private Monitor launch(OciRuntime runtime, String containerId, Path bundle, Optional<Path> processFile,
            MonitorDir dir, Io io) {
        String what = (processFile.isPresent() ? "exec in " : "create of ") + containerId;
        Path fifo = dir.syncPipe();
        try {
            Files.createDirectories(dir.exitDir());
            for (Path stale : List.of(fifo, dir.pidFile(), dir.conmonPidFile(), dir.runtimeLog(),
                    dir.exitFile(containerId))) {
                Files.deleteIfExists(stale);
            }
            LibC.INSTANCE.mkfifo(fifo.toString(), 0600);
        } catch (IOException | LastErrorException e) {
            throw ErrorKind.Unavailable.error("conmon: preparing %s in %s: %s", what, dir.dir(),
                    e instanceof LastErrorException l ? LibC.message(l) : e.toString());
        }
        CompletableFuture<String> report = CompletableFuture.supplyAsync(() -> readLine(fifo), READERS);
        try {
            Process launcher = start(runtime, containerId, bundle, processFile, dir, io);
            if (!launcher.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                throw ErrorKind.DeadlineExceeded.error("conmon: %s: the launcher did not return within %d ms", what,
                        timeout.toMillis());
            }
            if (launcher.exitValue() != 0) {
                throw ErrorKind.Unavailable.error("conmon: %s: exited with status %d (its message is in %s)", what,
                        launcher.exitValue(), io.stderr().map(Path::toString).orElse("/dev/null"));
            }
            String line = awaitReport(report, dir, what);
            int pid = parseReport(line, dir, what, runtime);
            int conmonPid = Monitor.readPid(dir.conmonPidFile()).orElse(0);
            long started = ProcFs.stat(conmonPid).map(ProcFs.Stat::startTicks).orElse(-1L);
            Monitor monitor = new Monitor(pid, started >= 0 ? conmonPid : 0, started);
            monitor.write(dir);
            return monitor;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("conmon: %s: %s", what, e.getCause() != null
                    ? e.getCause().getMessage() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorKind.DeadlineExceeded.error("conmon: %s: interrupted", what);
        } finally {
            wake(fifo, report);
            try {
                Files.deleteIfExists(fifo); // conmon keeps its descriptor; the name is not needed any more
            } catch (IOException e) { // left for the next launch to replace
            }
        }
    }

    private Process start(OciRuntime runtime, String containerId, Path bundle, Optional<Path> processFile,
            MonitorDir dir, Io io) throws IOException {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3>\"$0\" && exec \"$@\"",
                dir.syncPipe().toString(), binary.toString(),
                "--api-version", "1",
                "-c", containerId,
                "-u", dir.dir().getFileName().toString(),
                "-n", containerId,
                "-r", runtime.binary().toString(),
                "-b", bundle.toString(),
                "-p", dir.pidFile().toString(),
                "-P", dir.conmonPidFile().toString(),
                "--exit-dir", dir.exitDir().toString(),
                "-l", "passthrough"));
        List<String> runtimeArgs = new ArrayList<>(runtime.globalArgs());
        runtimeArgs.addAll(List.of("--log", dir.runtimeLog().toString()));
        for (String arg : runtimeArgs) {
            argv.add("--runtime-arg");
            argv.add(arg);
        }
        processFile.ifPresent(f -> argv.addAll(List.of("-e", "--exec-process-spec", f.toString())));
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(dir.dir().toFile())
                .redirectInput(io.stdin().map(Path::toFile).map(Redirect::from)
                        .orElse(Redirect.from(new File("/dev/null"))))
                .redirectOutput(io.stdout().map(Path::toFile).map(Redirect::appendTo)
                        .orElse(Redirect.to(new File("/dev/null"))))
                .redirectError(io.stderr().map(Path::toFile).map(Redirect::appendTo)
                        .orElse(Redirect.to(new File("/dev/null"))));
        for (String inherited : List.of("NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                "_OCI_STARTPIPE")) {
            builder.environment().remove(inherited);
        }
        builder.environment().put("_OCI_SYNCPIPE", "3");
        return builder.start();
    }

    private String awaitReport(CompletableFuture<String> report, MonitorDir dir, String what)
            throws InterruptedException {
        try {
            return report.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Monitor.readPid(dir.conmonPidFile()).ifPresent(pid -> {
                try {
                    LibC.INSTANCE.kill(pid, 9); // its runtime child dies with it (PDEATHSIG)
                } catch (LastErrorException gone) { // exited meanwhile
                }
            });
            throw ErrorKind.DeadlineExceeded.error("conmon: %s: no pid reported within %d ms; conmon was killed",
                    what, timeout.toMillis());
        } catch (ExecutionException e) {
            throw ErrorKind.Unavailable.error("conmon: %s: reading the sync pipe: %s", what, e.getCause());
        }
    }

    private static int parseReport(String line, MonitorDir dir, String what, OciRuntime runtime) {
        String message = "";
        if (line != null && !line.isBlank()) {
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(line);
            } catch (IOException e) {
                throw ErrorKind.Unavailable.error("conmon: %s: unexpected report '%s'", what, line.strip());
            }
            int data = node.path("data").asInt(-1);
            if (data > 0) {
                return data;
            }
            message = node.path("message").asText("");
        }
        String reason = OciRuntime.lastError(dir.runtimeLog()).orElse(message.strip());
        if (reason.isEmpty()) {
            reason = "conmon exited without reporting a pid";
        }
        ErrorKind kind = PROCESS_ERROR.matcher(reason).find() ? ErrorKind.InvalidArgument : ErrorKind.Unavailable;
        throw kind.error("%s %s: %s", runtime.name(), what, reason);
    }

    /** One line from the FIFO: blocks in open(2) until a writer comes, then until a line or end-of-file. */
    private static String readLine(Path fifo) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(new FileInputStream(fifo.toFile()), StandardCharsets.UTF_8))) {
            return reader.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Releases a reader still waiting on the FIFO: opening it for writing completes the reader's
     * open(2) (and never blocks, the reader being there); the empty line ends a wait for a line.
     */
    private static void wake(Path fifo, CompletableFuture<String> report) {
        if (report.isDone()) {
            return;
        }
        READERS.execute(() -> {
            try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write('\n');
            } catch (IOException e) { // the reader is gone already
            }
        });
        try {
            report.get(1, TimeUnit.SECONDS);
        } catch (Exception e) { // nothing more to do: the reader thread ends on its own
        }
    }

}
