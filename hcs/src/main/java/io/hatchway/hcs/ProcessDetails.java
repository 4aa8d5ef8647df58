package io.hatchway.hcs;

import javax.management.ConstructorParameters;

/**
 * One process of a task, as {@code pids()} reports it (CONTRACT.md; the field names are hcsshim's
 * {@code ProcessDetails}). Times are in 100 ns units, memory in bytes. Immutable; the getters make
 * it an MXBean composite.
 */
public final class ProcessDetails {
    private final int processId;
    private final String imageName;
    private final String createdAt;
    private final long userTime100ns;
    private final long kernelTime100ns;
    private final long memoryCommitBytes;
    private final long memoryWorkingSetPrivateBytes;
    private final long memoryWorkingSetSharedBytes;
    private final String execId;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"processId", "imageName", "createdAt", "userTime100ns", "kernelTime100ns", "memoryCommitBytes",
            "memoryWorkingSetPrivateBytes", "memoryWorkingSetSharedBytes", "execId"})
    public ProcessDetails(int processId, String imageName, String createdAt, long userTime100ns,
            long kernelTime100ns, long memoryCommitBytes, long memoryWorkingSetPrivateBytes,
            long memoryWorkingSetSharedBytes, String execId) {
        this.processId = processId;
        this.imageName = imageName;
        this.createdAt = createdAt;
        this.userTime100ns = userTime100ns;
        this.kernelTime100ns = kernelTime100ns;
        this.memoryCommitBytes = memoryCommitBytes;
        this.memoryWorkingSetPrivateBytes = memoryWorkingSetPrivateBytes;
        this.memoryWorkingSetSharedBytes = memoryWorkingSetSharedBytes;
        this.execId = execId;
    }

    /** The same process attributed to {@code execId}. */
    public ProcessDetails withExecId(String execId) {
        return new ProcessDetails(processId, imageName, createdAt, userTime100ns, kernelTime100ns,
                memoryCommitBytes, memoryWorkingSetPrivateBytes, memoryWorkingSetSharedBytes, execId);
    }

    public int getProcessId() {
        return processId;
    }

    /** The executable's name (no directory). */
    public String getImageName() {
        return imageName;
    }

    /** Start time, ISO-8601 UTC. */
    public String getCreatedAt() {
        return createdAt;
    }

    public long getUserTime100ns() {
        return userTime100ns;
    }

    public long getKernelTime100ns() {
        return kernelTime100ns;
    }

    /** Virtual memory committed (Linux: the process's virtual size). */
    public long getMemoryCommitBytes() {
        return memoryCommitBytes;
    }

    /** Resident memory not shared with other processes. */
    public long getMemoryWorkingSetPrivateBytes() {
        return memoryWorkingSetPrivateBytes;
    }

    /** Resident memory shared with other processes (file-backed and shared pages). */
    public long getMemoryWorkingSetSharedBytes() {
        return memoryWorkingSetSharedBytes;
    }

    /** The task id for the init process, the exec id for an exec's own process, {@code ""} for children. */
    public String getExecId() {
        return execId;
    }

    @Override
    public String toString() {
        return "ProcessDetails{pid=" + processId + ", image=" + imageName + ", execId=" + execId + "}";
    }
}
