package io.hatchway.mbeans;

import javax.management.ConstructorParameters;

/** What a wait returns: the exit status and time. Immutable; an MXBean composite. */
public final class ExitStatus {
    private final long exitStatus;
    private final String exitedAt;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"exitStatus", "exitedAt"})
    public ExitStatus(long exitStatus, String exitedAt) {
        this.exitStatus = exitStatus;
        this.exitedAt = exitedAt;
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
        return "ExitStatus{" + exitStatus + " at " + exitedAt + "}";
    }
}
