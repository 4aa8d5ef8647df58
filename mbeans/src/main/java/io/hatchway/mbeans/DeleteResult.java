package io.hatchway.mbeans;

import javax.management.ConstructorParameters;

/** What {@code deleteExec} returns: the deleted exec's pid, exit status and time. Immutable; an MXBean composite. */
public final class DeleteResult {
    private final int pid;
    private final long exitStatus;
    private final String exitedAt;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"pid", "exitStatus", "exitedAt"})
    public DeleteResult(int pid, long exitStatus, String exitedAt) {
        this.pid = pid;
        this.exitStatus = exitStatus;
        this.exitedAt = exitedAt;
    }

    public int getPid() {
        return pid;
    }

    public long getExitStatus() {
        return exitStatus;
    }

    /** ISO-8601. */
    public String getExitedAt() {
        return exitedAt;
    }

    @Override
    public String toString() {
        return "DeleteResult{pid=" + pid + " exitStatus=" + exitStatus + " at " + exitedAt + "}";
    }
}
