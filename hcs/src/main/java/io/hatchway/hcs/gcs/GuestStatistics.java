package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A container's figures as the Linux guest reports them: its {@code LCOWMetrics}, the cgroup v1
 * {@code stats.Metrics} of containerd's cgroups library. Times in nanoseconds, sizes in bytes. A
 * figure the guest left out is 0; cgroup v1 writes "no memory limit" as a huge number, kept as is.
 *
 * @param pidsCurrent processes in the container's cgroup ({@code pids.current})
 * @param pidsLimit their limit ({@code pids.limit}), 0 for none
 * @param cpuTotalNanos processor time used ({@code cpu.usage.total})
 * @param cpuUserNanos of it in user mode ({@code cpu.usage.user})
 * @param cpuKernelNanos of it in the kernel ({@code cpu.usage.kernel})
 * @param memoryUsageBytes memory in use ({@code memory.usage.usage})
 * @param memoryMaxBytes the most ever in use ({@code memory.usage.max})
 * @param memoryLimitBytes the limit ({@code memory.usage.limit})
 * @param storageReadBytes bytes read from block devices ({@code blkio.io_service_bytes_recursive} Read)
 * @param storageWriteBytes bytes written ({@code ...} Write)
 * @param metrics the whole {@code LCOWMetrics} object, for figures not named here
 */
public record GuestStatistics(long pidsCurrent, long pidsLimit, long cpuTotalNanos, long cpuUserNanos,
        long cpuKernelNanos, long memoryUsageBytes, long memoryMaxBytes, long memoryLimitBytes,
        long storageReadBytes, long storageWriteBytes, JsonNode metrics) {

    /** The figures of a {@code LCOWMetrics} object. */
    static GuestStatistics of(JsonNode metrics) {
        JsonNode cpu = metrics.path("cpu").path("usage");
        JsonNode memory = metrics.path("memory").path("usage");
        return new GuestStatistics(metrics.path("pids").path("current").asLong(),
                metrics.path("pids").path("limit").asLong(), cpu.path("total").asLong(), cpu.path("user").asLong(),
                cpu.path("kernel").asLong(), memory.path("usage").asLong(), memory.path("max").asLong(),
                memory.path("limit").asLong(), blockIo(metrics, "Read"), blockIo(metrics, "Write"), metrics);
    }

    private static long blockIo(JsonNode metrics, String op) {
        long total = 0;
        for (JsonNode entry : metrics.path("blkio").path("io_service_bytes_recursive")) {
            if (op.equalsIgnoreCase(entry.path("op").asText())) {
                total += entry.path("value").asLong();
            }
        }
        return total;
    }
}
