package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One exec: hcsshim's {@code hcsExec}. The state machine {@code created → running → exited} of
 * CONTRACT.md, guarded by this object's monitor, so operations on one exec are serialized and a
 * race between them has exactly one legal outcome. Events are published under the monitor too:
 * {@code exec-started} always precedes {@code exit}, and {@code exit} precedes {@code delete}.
 */
public final class Exec implements ExecMXBean {
    enum State {
        CREATED, RUNNING, EXITED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Task task;
    private final String execId; // "" for the init exec, as callers address it
    private final ProcessSpec spec;
    private final Stdio stdio;
    private final OutputLog stdout; // null when the caller named the file
    private final OutputLog stderr;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();

    private State state = State.CREATED;
    private ComputeProcess process;
    private int pid;
    private long exitStatus = 255;
    private Instant exitedAt;

    Exec(Task task, String execId, ProcessSpec spec, Stdio stdio, OutputLog stdout, OutputLog stderr) {
        this.task = task;
        this.execId = execId;
        this.spec = spec;
        this.stdio = stdio;
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

    synchronized State state() {
        return state;
    }

    @Override
    public int start() {
        task.checkLive();
        return startInternal();
    }

    private synchronized int startInternal() {
        if (state != State.CREATED) {
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
        pid = process.pid();
        state = State.RUNNING;
        task.publish(isInit() ? Event.start(task.getId(), pid) : Event.execStarted(task.getId(), execId, pid));
        process.exited().thenAcceptAsync(this::processExited, task.executor());
        return pid;
    }

    /**
     * created → running with a process found again after a restart, as if just started but without
     * a {@code start} event; a process that exited meanwhile goes on to exited at once, with its
     * real status (and, for an additional exec, its exit event).
     */
    synchronized void adopt(ComputeProcess found) {
        if (state != State.CREATED) {
            return;
        }
        process = found;
        pid = found.pid();
        state = State.RUNNING;
        found.exited().thenAcceptAsync(this::processExited, task.executor());
    }

    private void processExited(long code) {
        synchronized (this) {
            state = State.EXITED;
            exitStatus = code;
            exitedAt = Instant.now();
            if (!isInit()) { // the init exec's exit is sent by the task after teardown
                task.publish(Event.exit(task.getId(), execId, pid, exitStatus, exitedAt.toString()));
            }
        }
        exited.complete(null);
    }

    /** created → exited with {@code status}, no process ever ran, no exit event. Caller holds the monitor. */
    private void exitFromCreated(int status) {
        if (state == State.EXITED) {
            return;
        }
        state = State.EXITED;
        exitStatus = status;
        exitedAt = Instant.now();
        exited.complete(null);
    }

    @Override
    public void kill(int signal) {
        task.checkLive();
        killInternal(signal);
    }

    synchronized void killInternal(int signal) {
        switch (state) {
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
        switch (state) {
            case CREATED -> exitFromCreated(status);
            case RUNNING -> process.kill();
            case EXITED -> { }
        }
    }

    /** For deleteExec: created → exited with 0; running → FailedPrecondition; exited → as is. */
    synchronized void readyForDelete() {
        if (state == State.CREATED) {
            exitFromCreated(0);
        } else if (state == State.RUNNING) {
            throw invalidState("delete");
        }
    }

    @Override
    public ExitStatus waitFor(long timeoutMillis) {
        task.checkLive();
        return waitInternal(Timeouts.callerTimeout(timeoutMillis));
    }

    ExitStatus waitInternal(Duration timeout) {
        await(exited, timeout, "exec: '" + execId + "' in task: '" + task.getId() + "' to exit");
        synchronized (this) {
            return new ExitStatus(exitStatus, exitedAt.toString());
        }
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
        if (state == State.RUNNING) {
            process.resizeConsole(width, height);
        }
    }

    @Override
    public void closeIO(boolean stdin) {
        task.checkLive();
        closeInternal(stdin);
    }

    synchronized void closeInternal(boolean stdin) {
        if (stdin && state == State.RUNNING) {
            process.closeStdin();
        }
    }

    synchronized ExecStatus status() {
        return new ExecStatus(task.getId(), getId(), task.getBundle(), pid, state.toString(),
                spec.stdin().orElse(""), stdio.stdout().toString(), stdio.stderr().toString(), spec.terminal(),
                exitStatus, exitedAt == null ? "" : exitedAt.toString());
    }

    synchronized DeleteResult deleteResult() {
        return new DeleteResult(pid, exitStatus, exitedAt == null ? "" : exitedAt.toString());
    }

    /** Pid of the running process, if it is running. */
    synchronized Optional<Integer> runningPid() {
        return state == State.RUNNING ? Optional.of(pid) : Optional.empty();
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
    public synchronized String getState() {
        return state.toString();
    }

    @Override
    public synchronized int getPid() {
        return pid;
    }

    @Override
    public synchronized long getExitStatus() {
        return exitStatus;
    }

    @Override
    public synchronized String getExitedAt() {
        return exitedAt == null ? "" : exitedAt.toString();
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

    HatchwayException invalidState(String operation) {
        return ErrorKind.FailedPrecondition.error("exec: '%s' in task: '%s' is in invalid state: '%s' for %s",
                execId, task.getId(), state, operation);
    }

    HatchwayException notFound() {
        return ErrorKind.NotFound.error("exec: '%s' in task: '%s' not found", execId, task.getId());
    }

    @Override
    public String toString() {
        return "Exec{" + task.getId() + "/" + execId + " " + getState() + "}";
    }
}
