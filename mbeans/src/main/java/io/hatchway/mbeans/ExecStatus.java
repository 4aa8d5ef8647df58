package io.hatchway.mbeans;

import javax.management.ConstructorParameters;

/**
 * What {@code state(execId)} returns (containerd's StateResponse). Immutable; an MXBean composite.
 */
public final class ExecStatus {
    private final String id;
    private final String execId;
    private final String bundle;
    private final int pid;
    private final String status;
    private final String stdin;
    private final String stdout;
    private final String stderr;
    private final boolean terminal;
    private final long exitStatus;
    private final String exitedAt;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"id", "execId", "bundle", "pid", "status", "stdin", "stdout", "stderr", "terminal", "exitStatus", "exitedAt"})
    public ExecStatus(String id, String execId, String bundle, int pid, String status, String stdin,
            String stdout, String stderr, boolean terminal, long exitStatus, String exitedAt) {
        this.id = id;
        this.execId = execId;
        this.bundle = bundle;
        this.pid = pid;
        this.status = status;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.terminal = terminal;
        this.exitStatus = exitStatus;
        this.exitedAt = exitedAt;
    }

    /** The task id. */
    public String getId() {
        return id;
    }

    /** The exec id; the task id for the init exec. */
    public String getExecId() {
        return execId;
    }

    public String getBundle() {
        return bundle;
    }

    public int getPid() {
        return pid;
    }

    /** {@code created}, {@code running} or {@code exited}. */
    public String getStatus() {
        return status;
    }

    public String getStdin() {
        return stdin;
    }

    public String getStdout() {
        return stdout;
    }

    public String getStderr() {
        return stderr;
    }

    public boolean isTerminal() {
        return terminal;
    }

    /** 255 until exited. */
    public long getExitStatus() {
        return exitStatus;
    }

    /** ISO-8601; empty until exited. */
    public String getExitedAt() {
        return exitedAt;
    }

    @Override
    public String toString() {
        return "ExecStatus{" + execId + " " + status + " pid=" + pid + " exitStatus=" + exitStatus + "}";
    }
}
