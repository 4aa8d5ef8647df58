package io.hatchway.hcs.runc.conmon;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Pipe;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.Reaper;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

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
     * it writes the exit code there too). So: read exactly one line, never to the end. The JVM
     * spawns conmon itself (PosixSpawn) with the pipe's write end as its fd 3 and holds only the
     * read end, so an end-of-file means conmon is gone without reporting (with passthrough logging
     * the runtime's error goes to the runtime log, read then).
     *
     * Stdio: where the process's output has a cap (kept output) or a terminal, conmon logs it
     * (k8s-file, --log-size-max) and the JVM follows the log (LoggedStreams): the bound holds
     * however fast the process writes, and conmon, which outlives the JVM, stays the pipe's reader.
     * Otherwise conmon runs with "-l passthrough": the runtime, and through it the container
     * process, inherits conmon's standard streams, which are the caller's files opened in append
     * mode, with no copying thread in the JVM, flowing while the JVM is down.
     */
    /** Variables of the JVM's environment that would tell conmon or the runtime to talk to someone else. */
    private static final List<String> NOT_INHERITED = List.of("NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS",
            "LISTEN_FDNAMES", "_OCI_STARTPIPE", "_OCI_SYNCPIPE");

    private final Path binary;
    private final Duration timeout;
    private final Executor relays;
    private final Executor background;
    /** conmon's environment: the JVM's, which never changes, so made once and not per launch. */
    private final List<String> environment = environment();

    /**
     * @param binary the conmon executable
     * @param timeout bound of a launch: from starting conmon to the pid on the sync pipe
     * @param relays where the JVM's copies of a launch's streams and their FIFO opens run (each
     *     blocks its thread)
     * @param background where a killed launcher that lingers is reaped
     */
    public Conmon(Path binary, Duration timeout, Executor relays, Executor background) {
        this.binary = Objects.requireNonNull(binary);
        this.timeout = Objects.requireNonNull(timeout);
        this.relays = Objects.requireNonNull(relays);
        this.background = Objects.requireNonNull(background);
    }

    /** {@code conmon} on {@code PATH} or in the usual system directories. */
    public static Optional<Path> find() {
        return OciRuntime.find("conmon");
    }

    public Path binary() {
        return binary;
    }

    /**
     * {@code stdio} opened for a launch ({@code what}) under conmon (a given stdin through a pipe
     * the JVM feeds, so that it can be closed).
     *
     * @throws HatchwayException InvalidArgument when a file cannot be opened (the caller's files, as on
     *     every backend); DeadlineExceeded for a FIFO
     *     whose other end did not open within {@link Stdio#PEER_TIMEOUT}
     */
    public ChildStdio open(Stdio stdio, String what) {
        // conmon holds the caps (its log), not the JVM: a process must outlive the agent
        return opened(what, () -> ChildStdio.open(stdio.withCaps(OptionalLong.empty(), OptionalLong.empty()), relays));
    }

    /**
     * The terminal, conmon's, of a launch ({@code what}) whose log and attach socket go into
     * {@code dir} and whose control FIFO into {@code controlDir}: {@code stdio}'s stdin typed into
     * it, its output copied into {@code stdio}'s stdout. Errors as {@link #open}.
     */
    public Console console(MonitorDir dir, Path controlDir, Stdio stdio, String what) {
        return opened(what, () -> Console.open(dir, controlDir, stdio, relays));
    }

    /**
     * The streams, conmon's log followed into its files (see {@link OutputCopy}), of a launch
     * ({@code what}) without a terminal whose kept output has a cap. Errors as {@link #open}.
     */
    public OutputCopy output(MonitorDir dir, Stdio stdio, String what) {
        return opened(what, () -> OutputCopy.open(dir, stdio, relays));
    }

    /** What opens a launch's files, failing as the files of a launch fail. */
    private interface Opening<T> {
        T open() throws PosixSpawn.SpawnException;
    }

    /** A file of the caller's that cannot be opened is InvalidArgument, as on every backend. */
    private static <T> T opened(String what, Opening<T> opening) {
        try {
            return opening.open();
        } catch (PosixSpawn.SpawnException e) {
            throw ErrorKind.InvalidArgument.error("conmon: %s: %s", what, e.getMessage());
        }
    }

    /** {@link LoggedStreams#resume} on this conmon's relay threads. */
    public Optional<LoggedStreams> resume(MonitorDir dir, Path controlDir, Stdio stdio) {
        return LoggedStreams.resume(dir, controlDir, stdio, relays);
    }

    /** conmon's own streams where it logs the process's output: no input, its messages into stderr. */
    public static Stdio ownStdio(Stdio stdio) {
        return new Stdio(Optional.empty(), Stdio.DEV_NULL, stdio.stderr()); // uncapped: conmon says little
    }

    /**
     * Runs {@code runtime create} of container {@code containerId} from {@code bundle} under a new
     * conmon. Returns once the container is created (its init process waits for {@code start}).
     * The init process's streams are {@code streams}, now this launch's: started when conmon runs,
     * abandoned when it could not be.
     *
     * @throws HatchwayException InvalidArgument when the runtime cannot launch the process (missing
     *     binary, bad cwd), Unavailable for any other failure of conmon or the runtime (their own
     *     message), DeadlineExceeded when conmon did not report within the timeout (it is killed)
     */
    public Monitor create(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, ChildStdio streams) {
        return launch(runtime, containerId, bundle, Optional.empty(), dir, streams, Optional.empty());
    }

    /**
     * {@link #create} of a container whose init process's output conmon logs (a terminal, or a
     * capped output): {@code streams} are conmon's own, {@code console} the process's (followed once
     * conmon runs).
     */
    public Monitor create(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, ChildStdio streams,
            LoggedStreams console) {
        return launch(runtime, containerId, bundle, Optional.empty(), dir, streams, Optional.of(console));
    }

    /**
     * Runs {@code runtime exec --detach} of {@code dir.processFile()} in container {@code containerId}
     * under a new conmon. Returns once the process runs. Errors as {@link #create}.
     */
    public Monitor exec(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, ChildStdio streams) {
        return launch(runtime, containerId, bundle, Optional.of(dir.processFile()), dir, streams, Optional.empty());
    }

    /** {@link #exec} of a process whose output conmon logs, as {@link #create(OciRuntime, String, Path, MonitorDir, ChildStdio, LoggedStreams)}. */
    public Monitor exec(OciRuntime runtime, String containerId, Path bundle, MonitorDir dir, ChildStdio streams,
            LoggedStreams console) {
        return launch(runtime, containerId, bundle, Optional.of(dir.processFile()), dir, streams, Optional.of(console));
    }

    private Monitor launch(OciRuntime runtime, String containerId, Path bundle, Optional<Path> processFile,
            MonitorDir dir, ChildStdio streams, Optional<LoggedStreams> console) {
        boolean spawned = false;
        try {
            Monitor monitor = launch(runtime, containerId, bundle, processFile, dir, streams, console,
                    (processFile.isPresent() ? "exec in " : "create of ") + containerId);
            spawned = true;
            console.ifPresent(LoggedStreams::follow);
            return monitor;
        } finally {
            if (!spawned) {
                streams.abandon();
                console.ifPresent(LoggedStreams::abandon);
            }
        }
    }

    private Monitor launch(OciRuntime runtime, String containerId, Path bundle, Optional<Path> processFile,
            MonitorDir dir, ChildStdio streams, Optional<LoggedStreams> console, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Files.createDirectories(dir.dir());
            dir.createExitDir();
            for (Path stale : List.of(dir.pidFile(), dir.conmonPidFile(), dir.runtimeLog(), dir.exitFile(containerId))) {
                Files.deleteIfExists(stale);
            }
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("conmon: preparing %s in %s: %s", what, dir.dir(),
                    HatchwayException.reason(e));
        }
        // conmon reports the pid, and an exec's status, on the sync pipe, and exits when a report
        // finds no reader (conmon 2.1: "Unable to send ... to parent"). Were the JVM to die during
        // the launch, conmon would go with it and leave the process unmonitored; conmon's end of
        // this pipe reads too, so it never finds the pipe broken.
        try (Pipe sync = Pipe.openWithoutBreaking()) {
            int launcher;
            try {
                launcher = PosixSpawn.spawn(binary, argv(runtime, containerId, bundle, processFile, dir, console), environment,
                        dir.dir(), streams.child(), List.of(sync.writeFd()));
            } catch (PosixSpawn.SpawnException e) {
                throw ErrorKind.Unavailable.error("conmon: %s: %s", what, e.getMessage());
            }
            sync.closeWriteEnd();
            streams.started();
            // conmon forks at once and its first process exits; the second runs the runtime and reports.
            Optional<String> line = sync.readLine(left(deadline));
            OptionalLong launcherExit = Reaper.waitFor(launcher, line.isPresent() ? left(deadline) : Duration.ZERO);
            if (line.isEmpty() || launcherExit.isEmpty()) {
                if (launcherExit.isEmpty()) { // still ours to kill and reap
                    Reaper.kill(launcher, Duration.ofSeconds(1), background);
                }
                Monitor.readPid(dir.conmonPidFile()).ifPresent(pid -> LibC.killQuietly(pid, Signals.SIGKILL)); // its runtime dies with it (PDEATHSIG)
                throw ErrorKind.DeadlineExceeded.error("conmon: %s: no pid reported within %d ms; conmon was killed",
                        what, timeout.toMillis());
            }
            if (launcherExit.getAsLong() != 0) {
                throw ErrorKind.Unavailable.error("conmon: %s: exited with status %d (its message is in %s)", what,
                        launcherExit.getAsLong(), streams.stdio().stderr());
            }
            int pid = SyncReport.pid(line.get(), dir, what, runtime);
            Monitor monitor = Monitor.of(pid, Monitor.readPid(dir.conmonPidFile()).orElse(0));
            monitor.write(dir);
            return monitor;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("conmon: %s: %s", what, HatchwayException.reason(e));
        } catch (LastErrorException e) {
            throw ErrorKind.Unavailable.error("conmon: %s: %s", what, LibC.message(e));
        }
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /*
     * A terminal is conmon's (--terminal): it passes the runtime a console socket, takes the
     * terminal's master from it and copies what the process prints into a k8s-file log (passthrough
     * logging has no terminal: conmon refuses a tty there, TIOCSTI). Its control FIFO (resizes) is
     * made in the directory given as the bundle, which for an exec is the exec's own directory, so
     * that every exec has its own; the runtime's exec does not read it.
     */
    private List<String> argv(OciRuntime runtime, String containerId, Path bundle, Optional<Path> processFile,
            MonitorDir dir, Optional<LoggedStreams> console) {
        List<String> argv = new ArrayList<>(List.of(binary.toString(),
                "--api-version", "1",
                "-c", containerId,
                "-u", dir.dir().getFileName().toString(),
                "-n", containerId,
                "-r", runtime.binary().toString(),
                "-b", (console.isPresent() && processFile.isPresent() ? dir.dir() : bundle).toString(),
                "-p", dir.pidFile().toString(),
                "-P", dir.conmonPidFile().toString(),
                "--exit-dir", dir.exitDir().toString()));
        if (console.isPresent()) {
            argv.addAll(console.get().conmonArgs(dir));
        } else {
            argv.addAll(List.of("-l", "passthrough"));
        }
        List<String> runtimeArgs = new ArrayList<>(runtime.globalArgs());
        runtimeArgs.addAll(List.of("--log", dir.runtimeLog().toString()));
        for (String arg : runtimeArgs) {
            argv.add("--runtime-arg");
            argv.add(arg);
        }
        processFile.ifPresent(f -> argv.addAll(List.of("-e", "--exec-process-spec", f.toString())));
        return argv;
    }

    /** The JVM's environment for conmon, with the sync pipe as its fd 3. */
    private static List<String> environment() {
        List<String> env = PosixSpawn.environmentWithout(NOT_INHERITED);
        env.add("_OCI_SYNCPIPE=3");
        return List.copyOf(env);
    }
}
