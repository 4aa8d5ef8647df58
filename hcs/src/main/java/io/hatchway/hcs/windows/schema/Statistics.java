package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A container's figures ({@code schema2/statistics.go}), times in 100 ns units as HCS gives them.
 * {@code Timestamp} and {@code ContainerStartTime} are RFC 3339 strings (Go's {@code time.Time}).
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Statistics(
        @JsonProperty("Timestamp") String timestamp,
        @JsonProperty("ContainerStartTime") String containerStartTime,
        @JsonProperty("Uptime100ns") long uptime100ns,
        @JsonProperty("Processor") ProcessorStats processor,
        @JsonProperty("Memory") MemoryStats memory,
        @JsonProperty("Storage") StorageStats storage) {

    /** {@code schema2/processor_stats.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProcessorStats(
            @JsonProperty("TotalRuntime100ns") long totalRuntime100ns,
            @JsonProperty("RuntimeUser100ns") long runtimeUser100ns,
            @JsonProperty("RuntimeKernel100ns") long runtimeKernel100ns) {
    }

    /** {@code schema2/memory_stats.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MemoryStats(
            @JsonProperty("MemoryUsageCommitBytes") long memoryUsageCommitBytes,
            @JsonProperty("MemoryUsageCommitPeakBytes") long memoryUsageCommitPeakBytes,
            @JsonProperty("MemoryUsagePrivateWorkingSetBytes") long memoryUsagePrivateWorkingSetBytes) {
    }

    /** {@code schema2/storage_stats.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StorageStats(
            @JsonProperty("ReadCountNormalized") long readCountNormalized,
            @JsonProperty("ReadSizeBytes") long readSizeBytes,
            @JsonProperty("WriteCountNormalized") long writeCountNormalized,
            @JsonProperty("WriteSizeBytes") long writeSizeBytes) {
    }
}
