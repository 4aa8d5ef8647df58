package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One exec: hcsshim's {@code hcsExec}. The state machine {@code created → running → exited} of
 * CONTRACT.md.
 *
 * <p>Locking: transitions are guarded by this object's monitor, so operations that change one
 * exec are serialized and a race between them has exactly one legal outcome; {@code start} and
 * {@code kill} hold it across the runtime call they make. Reads never take it: every transition
 * publishes an immutable {@link Snapshot}, and {@code state}, {@code pids} and the attributes read
 * that, so they answer at once however slow the runtime is.
 *
 * <p>Events are sent under the monitor, before the snapshot shows the new state: {@code
 * exec-added} (the task holds the monitor while it registers the exec), {@code exec-started},
 * {@code exit}, and {@code delete} after the exec is claimed for deletion, so the events of one
 * exec always come in contract order, and an id is free again only after its delete event.
 */
public final class Exec implements ExecMXBean {
    enum State {
        CREATED, RUNNING, EXITED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What reads see: one transition's result, never half of one. */
    private record Snapshot(State state, int pid, long exitStatus, Instant exitedAt) {
        static final Snapshot CREATED = new Snapshot(State.CREATED, 0, 255, null);

        String exitedAtText() {
            return exitedAt == null ? "" : exitedAt.toString();
        }
    }

    private final Task task;
    private final String execId; // "" for the init exec, as callers address it
    private final ProcessSpec spec;
    private final Stdio stdio;
    private final Path dir; // where the exec's kept output lives; gone once the exec is deleted
    private final OutputLog stdout; // null when the caller named the file
    private final OutputLog stderr;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    /** Completes once a delete has released everything the exec held, its id last. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    private volatile Snapshot snapshot = Snapshot.CREATED; // written under the monitor
    private ComputeProcess process; // guarded by this
    private volatile boolean deleting; // written under the monitor

    Exec(Task task, String execId, ProcessSpec spec, Stdio stdio, Path dir, OutputLog stdout, OutputLog stderr) {
        this.task = task;
        this.execId = execId;
        this.spec = spec;
        this.stdio = stdio;
        this.dir = dir;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Where the exec's standard streams go. */
    Stdio stdio() {
        return stdio;
    }

    boolean isInit() {
        return execId.isEmpty();
    }

    /** The id this exec reports: the task id for the init exec. */
    @Override
    public String getId() {
        return isInit() ? task.getId() : execId;
    }

    @Override
    public String getTaskId() {
        return task.getId();
    }

    /** Completes once the exec is exited and, for a started additional exec, its exit event is sent. */
    CompletableFuture<Void> exited() {
        return exited;
    }

    /** Completes once a delete of this exec has released its events, MBean, files and id. */
    CompletableFuture<Void> released() {
        return released;
    }

    /** Never blocks. */
    State state() {
        return snapshot.state();
    }

    @Override
    public int start() {
        task.checkLive();
        return startInternal();
    }

    private synchronized int startInternal() {
        if (deleting) {
            throw notFound();
        }
        if (snapshot.state() != State.CREATED) {
            throw invalidState("start");
        }
        ComputeSystem system = task.system();
        try {
            process = isInit() ? system.start(stdio) : system.exec(execId, spec, stdio);
        } catch (RuntimeException e) {
            if (isInit()) { // a failed start leaks nothing: tear down what was created
                system.terminate();
                try {
                    system.close();
                } catch (RuntimeException closing) { // the start's error is the answer; deleteExec tries again
                }
            }
            exitFromCreated(1);
            throw e instanceof HatchwayException ? e : ErrorKind.Unavailable.error("start: %s", e);
        }
        int pid = process.pid();
        task.publish(isInit() ? Event.start(task.getId(), pid) : Event.execStarted(task.getId(), execId, pid));
        snapshot = new Snapshot(State.RUNNING, pid, 255, null);
        process.exited().thenAcceptAsync(this::processExited, task.executor());
        return pid;
    }

    /**
     * created → running with a process found again after a restart, as if just started but without
     * a {@code start} event; a process that exited meanwhile goes on to exited at once, with its
     * real status (and, for an additional exec, its exit event).
     */
    synchronized void adopt(ComputeProcess found) {
        if (snapshot.state() != State.CREATED) {
            return;
        }
        process = found;
        snapshot = new Snapshot(State.RUNNING, found.pid(), 255, null);
        CompletableFuture<Long> exit = found.exited().toCompletableFuture();
        if (exit.isDone()) { // exited before the restart: found exited, never shown running
            processExited(exit.join());
        } else {
            exit.thenAcceptAsync(this::processExited, task.executor());
        }
    }

    private void processExited(long code) {
        synchronized (this) {
            Snapshot exit = new Snapshot(State.EXITED, snapshot.pid(), code, Instant.now());
            if (!isInit()) { // the init exec's exit is sent by the task after teardown
                task.publish(Event.exit(task.getId(), execId, exit.pid(), code, exit.exitedAtText()));
            }
            snapshot = exit;
        }
        exited.complete(null);
    }

    /** created → exited with {@code status}, no process ever ran, no exit event. Caller holds the monitor. */
    private void exitFromCreated(int status) {
        if (snapshot.state() == State.EXITED) {
            return;
        }
        snapshot = new Snapshot(State.EXITED, snapshot.pid(), status, Instant.now());
        exited.complete(null);
    }

    @Override
    public void kill(int signal) {
        task.checkLive();
        killInternal(signal);
    }

    synchronized void killInternal(int signal) {
        if (deleting) {
            throw notFound();
        }
        switch (snapshot.state()) {
            case CREATED -> exitFromCreated(1);
            case RUNNING -> {
                task.system().checkSignal(signal);
                process.signal(signal); // false: it already exited, which counts as delivered
            }
            case EXITED -> throw notFound();
        }
    }

    /**
     * created → exited with {@code status}; running → the process is killed and reports its real
     * status when it exits; exited → nothing.
     */
    synchronized void forceExit(int status) {
        switch (snapshot.state()) {
            case CREATED -> exitFromCreated(status);
            case RUNNING -> process.kill();
            case EXITED -> { }
        }
    }

    /** For deleteExec of the init exec: created → exited with 0; running → FailedPrecondition; exited → as is. */
    synchronized void readyForDelete() {
        if (snapshot.state() == State.CREATED) {
            exitFromCreated(0);
        } else if (snapshot.state() == State.RUNNING) {
            throw invalidState("delete");
        }
    }

    /**
     * For deleteExec of an additional exec: {@link #readyForDelete}, then the exec is the caller's
     * to delete — from here on it is not found, and a second delete is NotFound.
     *
     * @return what the delete reports
     */
    synchronized DeleteResult claimForDelete() {
        if (deleting) {
            throw notFound();
        }
        readyForDelete();
        deleting = true;
        return deleteResult();
    }

    /** Whether a delete has claimed this exec. Never blocks. */
    boolean isDeleting() {
        return deleting;
    }

    /**
     * The last steps of a delete, once the exec's delete event is sent and its MBean unregistered:
     * the backend may forget the process and the kept output goes; then {@code freeId} frees the
     * id, and only then are creates waiting for it let go.
     */
    void release(Runnable freeId) {
        ComputeProcess ran;
        synchronized (this) {
            ran = process;
        }
        try {
            if (stdout != null) {
                stdout.close();
            }
            if (stderr != null) {
                stderr.close();
            }
            if (ran != null) {
                ran.release();
            }
            Task.deleteQuietly(dir);
        } finally {
            freeId.run();
            released.complete(null);
        }
    }

    @Override
    public ExitStatus waitFor(long timeoutMillis) {
        task.checkLive();
        return waitInternal(Timeouts.callerTimeout(timeoutMillis));
    }

    ExitStatus waitInternal(Duration timeout) {
        await(exited, timeout, "exec: '" + execId + "' in task: '" + task.getId() + "' to exit");
        Snapshot now = snapshot;
        return new ExitStatus(now.exitStatus(), now.exitedAtText());
    }

    /** Waits a bounded time; expiry → DeadlineExceeded {@code waiting for <what>}. */
    static void await(CompletableFuture<?> future, Duration timeout, String what) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ErrorKind.DeadlineExceeded.error("waiting for %s: timed out after %d ms", what, timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorKind.DeadlineExceeded.error("waiting for %s: interrupted", what);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void resizePty(int width, int height) {
        task.checkLive();
        resizeInternal(width, height);
    }

    synchronized void resizeInternal(int width, int height) {
        if (!spec.terminal()) {
            throw ErrorKind.FailedPrecondition.error("exec: '%s' in task: '%s' is not a tty", execId, task.getId());
        }
        if (width <= 0 || height <= 0) {
            throw ErrorKind.InvalidArgument.error("console size %dx%d: width and height must be positive",
                    width, height);
        }
        if (snapshot.state() == State.RUNNING) {
            process.resizeConsole(width, height);
        }
    }

    @Override
    public void closeIO(boolean stdin) {
        task.checkLive();
        closeInternal(stdin);
    }

    synchronized void closeInternal(boolean stdin) {
        if (stdin && snapshot.state() == State.RUNNING) {
            process.closeStdin();
        }
    }

    /** Never blocks. */
    ExecStatus status() {
        Snapshot now = snapshot;
        return new ExecStatus(task.getId(), getId(), task.getBundle(), now.pid(), now.state().toString(),
                spec.stdin().orElse(""), stdio.stdout().toString(), stdio.stderr().toString(), spec.terminal(),
                now.exitStatus(), now.exitedAtText());
    }

    /** Never blocks. */
    DeleteResult deleteResult() {
        Snapshot now = snapshot;
        return new DeleteResult(now.pid(), now.exitStatus(), now.exitedAtText());
    }

    /** Pid of the running process, if it is running. Never blocks. */
    Optional<Integer> runningPid() {
        Snapshot now = snapshot;
        return now.state() == State.RUNNING ? Optional.of(now.pid()) : Optional.empty();
    }

    void enforceOutputCaps() {
        if (stdout != null) {
            stdout.enforceCap();
        }
        if (stderr != null) {
            stderr.enforceCap();
        }
    }

    @Override
    public String getState() {
        return snapshot.state().toString();
    }

    @Override
    public int getPid() {
        return snapshot.pid();
    }

    @Override
    public long getExitStatus() {
        return snapshot.exitStatus();
    }

    @Override
    public String getExitedAt() {
        return snapshot.exitedAtText();
    }

    @Override
    public boolean isTerminal() {
        return spec.terminal();
    }

    @Override
    public String getStdout() {
        return stdout == null ? "" : stdout.read();
    }

    @Override
    public String getStderr() {
        return stderr == null ? "" : stderr.read();
    }

    @Override
    public String[] getStdoutLines() {
        return stdout == null ? new String[0] : stdout.lastLines(LATEST_LINES);
    }

    @Override
    public String[] getStderrLines() {
        return stderr == null ? new String[0] : stderr.lastLines(LATEST_LINES);
    }

    HatchwayException invalidState(String operation) {
        return ErrorKind.FailedPrecondition.error("exec: '%s' in task: '%s' is in invalid state: '%s' for %s",
                execId, task.getId(), snapshot.state(), operation);
    }

    HatchwayException notFound() {
        return ErrorKind.NotFound.error("exec: '%s' in task: '%s' not found", execId, task.getId());
    }

    @Override
    public String toString() {
        return "Exec{" + task.getId() + "/" + execId + " " + getState() + "}";
    }
}
