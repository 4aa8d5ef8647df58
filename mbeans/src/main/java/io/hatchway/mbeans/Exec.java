package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One exec: hcsshim's {@code hcsExec}. The state machine {@code created → running → exited} of
 * CONTRACT.md, apart from JMX ({@link ExecMBean} is its MXBean face): operations fail with {@link
 * HatchwayException}s of CONTRACT.md's kinds; that its task is deleted is checked by the caller.
 *
 * <p>Locking: transitions are guarded by this object's monitor, so operations that change one
 * exec are serialized and a race between them has exactly one legal outcome; {@code start} and
 * {@code kill} hold it across the runtime call they make. Reads never take it: every transition
 * publishes an immutable {@link ExecSnapshot}, and {@code state}, {@code pids} and the attributes read
 * that, so they answer at once however slow the runtime is.
 *
 * <p>Events are sent under the monitor, before the snapshot shows the new state: {@code
 * exec-added} (the task holds the monitor while it registers the exec), {@code exec-started},
 * {@code exit}, and {@code delete} after the exec is claimed for deletion, so the events of one
 * exec always come in contract order, and an id is free again only after its delete event.
 *
 * <p>Longer than most classes here, and kept whole: every transition (start, exit, kill,
 * force-exit, the delete's claim and release) is guarded by the one monitor and publishes the one
 * snapshot, and the event order above holds only because they all sit together; the exec's files
 * ({@link ExecFiles}) and the snapshot ({@link ExecSnapshot}) stand apart.
 */
public final class Exec {
    enum State {
        CREATED, RUNNING, EXITED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Task task;
    private final String execId; // "" for the init exec, as callers address it
    private final ProcessSpec spec;
    private final ExecFiles files;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    /** Completes once a delete has released everything the exec held, its id last. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    private volatile ExecSnapshot snapshot = ExecSnapshot.CREATED; // written under the monitor
    private ComputeProcess process; // guarded by this
    private volatile boolean deleting; // written under the monitor

    Exec(Task task, String execId, ProcessSpec spec, ExecFiles files) {
        this.task = task;
        this.execId = execId;
        this.spec = spec;
        this.files = files;
    }

    /** Where the exec's standard streams go. */
    Stdio stdio() {
        return files.stdio();
    }

    boolean isInit() {
        return execId.isEmpty();
    }

    /** The task this exec belongs to. */
    Task task() {
        return task;
    }

    /** The id this exec reports: the task id for the init exec. */
    public String getId() {
        return isInit() ? task.getId() : execId;
    }

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

    /**
     * created → running: starts the process (for the init exec, the system first) and sends {@code
     * start} or {@code exec-started}. Not created → FailedPrecondition; deleted → NotFound. A failed
     * launch leaves the exec exited with status 1 (and tears the system down for the init exec).
     * Holds the monitor across the runtime call.
     *
     * @return the process id
     */
    public synchronized int start() {
        if (deleting) {
            throw notFound();
        }
        if (snapshot.state() != State.CREATED) {
            throw invalidState("start");
        }
        ComputeSystem system = task.system();
        Stdio stdio = files.stdio();
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
            throw e instanceof HatchwayException ? e : ErrorKind.Unavailable.error("start: %s", HatchwayException.reason(e));
        }
        int pid = process.pid();
        task.publish(isInit() ? Event.start(task.getId(), pid) : Event.execStarted(task.getId(), execId, pid));
        snapshot = ExecSnapshot.running(pid);
        process.exited().thenAcceptAsync(this::processExited, afterExit(process));
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
        snapshot = ExecSnapshot.running(found.pid());
        CompletableFuture<Long> exit = found.exited().toCompletableFuture();
        if (exit.isDone()) { // exited before the restart: found exited, never shown running
            processExited(exit.join());
        } else {
            exit.thenAcceptAsync(this::processExited, afterExit(found));
        }
    }

    /**
     * Where the exit is taken in: on the thread that saw it when that is the process's own (the
     * waiter then wakes straight from the exit), else on the task's threads.
     */
    private Executor afterExit(ComputeProcess process) {
        return process.exitsOnOwnThread() ? Runnable::run : task.executor();
    }

    private void processExited(long code) {
        synchronized (this) {
            ExecSnapshot exit = snapshot.exited(code);
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
        snapshot = snapshot.exited(status);
        exited.complete(null);
    }

    /**
     * created → exited with status 1; running → the signal (checked by the system: FailedPrecondition
     * for one it does not take); exited or deleted → NotFound. Holds the monitor across the runtime
     * call.
     */
    public synchronized void kill(int signal) {
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
            files.closeLogs();
            if (ran != null) {
                ran.release();
            }
            files.delete(task.executor());
        } finally {
            freeId.run();
            released.complete(null);
        }
    }

    /** Blocks until the exec has exited, at most {@code timeout}; expiry → DeadlineExceeded. Never takes the monitor. */
    public ExitStatus waitFor(Duration timeout) {
        Timeouts.await(exited, timeout, "exec: '" + execId + "' in task: '" + task.getId() + "' to exit");
        return snapshot.toExitStatus();
    }

    /** Not a tty → FailedPrecondition; a bad size → InvalidArgument; a running tty is resized, else nothing. */
    public synchronized void resizePty(int width, int height) {
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

    /** Closes a running exec's stdin; otherwise nothing. */
    public synchronized void closeIO(boolean stdin) {
        if (stdin && snapshot.state() == State.RUNNING) {
            process.closeStdin();
        }
    }

    /** Never blocks. */
    ExecStatus status() {
        ExecSnapshot now = snapshot;
        return new ExecStatus(task.getId(), getId(), task.getBundle(), now.pid(), now.state().toString(),
                spec.stdin().orElse(""), files.stdio().stdout().toString(), files.stdio().stderr().toString(),
                spec.terminal(), now.exitStatus(), now.exitedAtText());
    }

    /** Never blocks. */
    DeleteResult deleteResult() {
        return snapshot.toDeleteResult();
    }

    /** Pid of the running process, if it is running. Never blocks. */
    Optional<Integer> runningPid() {
        return snapshot.runningPid();
    }

    void enforceOutputCaps() {
        files.enforceCaps();
    }

    public String getState() {
        return snapshot.state().toString();
    }

    public int getPid() {
        return snapshot.pid();
    }

    public long getExitStatus() {
        return snapshot.exitStatus();
    }

    public String getExitedAt() {
        return snapshot.exitedAtText();
    }

    public boolean isTerminal() {
        return spec.terminal();
    }

    public String getStdout() {
        return files.keptStdout();
    }

    public String getStderr() {
        return files.keptStderr();
    }

    public String[] getStdoutLines() {
        return files.keptStdoutLines(ExecMXBean.LATEST_LINES);
    }

    public String[] getStderrLines() {
        return files.keptStderrLines(ExecMXBean.LATEST_LINES);
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
