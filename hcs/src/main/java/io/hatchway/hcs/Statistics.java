package io.hatchway.hcs;

import javax.management.ConstructorParameters;

/**
 * Figures of a compute system (or of its host) at one instant: processor, memory, storage, pids.
 * Times in 100 ns units, sizes in bytes; a limit of 0 means none is set. Immutable; the getters
 * make it an MXBean composite.
 */
public final class Statistics {
    private final String timestamp;
    private final long cpuUser100ns;
    private final long cpuKernel100ns;
    private final long memoryUsageBytes;
    private final long memoryCommitBytes;
    private final long memoryLimitBytes;
    private final long storageReadBytes;
    private final long storageWriteBytes;
    private final long pidsCurrent;
    private final long pidsLimit;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"timestamp", "cpuUser100ns", "cpuKernel100ns", "memoryUsageBytes", "memoryCommitBytes",
            "memoryLimitBytes", "storageReadBytes", "storageWriteBytes", "pidsCurrent", "pidsLimit"})
    public Statistics(String timestamp, long cpuUser100ns, long cpuKernel100ns, long memoryUsageBytes,
            long memoryCommitBytes, long memoryLimitBytes, long storageReadBytes, long storageWriteBytes,
            long pidsCurrent, long pidsLimit) {
        this.timestamp = timestamp;
        this.cpuUser100ns = cpuUser100ns;
        this.cpuKernel100ns = cpuKernel100ns;
        this.memoryUsageBytes = memoryUsageBytes;
        this.memoryCommitBytes = memoryCommitBytes;
        this.memoryLimitBytes = memoryLimitBytes;
        this.storageReadBytes = storageReadBytes;
        this.storageWriteBytes = storageWriteBytes;
        this.pidsCurrent = pidsCurrent;
        this.pidsLimit = pidsLimit;
    }

    /** When the figures were read, ISO-8601 UTC. */
    public String getTimestamp() {
        return timestamp;
    }

    public long getCpuUser100ns() {
        return cpuUser100ns;
    }

    public long getCpuKernel100ns() {
        return cpuKernel100ns;
    }

    public long getCpuTotal100ns() {
        return cpuUser100ns + cpuKernel100ns;
    }

    /** Memory in use (resident set, or the cgroup's usage). */
    public long getMemoryUsageBytes() {
        return memoryUsageBytes;
    }

    public long getMemoryCommitBytes() {
        return memoryCommitBytes;
    }

    public long getMemoryLimitBytes() {
        return memoryLimitBytes;
    }

    public long getStorageReadBytes() {
        return storageReadBytes;
    }

    public long getStorageWriteBytes() {
        return storageWriteBytes;
    }

    public long getPidsCurrent() {
        return pidsCurrent;
    }

    public long getPidsLimit() {
        return pidsLimit;
    }
}
