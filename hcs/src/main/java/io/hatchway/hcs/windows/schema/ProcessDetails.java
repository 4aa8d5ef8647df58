package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One process of a {@code ProcessList} answer ({@code schema2/process_details.go}; the same names
 * as {@code schema1 ProcessListItem}, which hcsshim's Pids reads). The numbers are {@code long}:
 * hcsshim's schema2 types them int32, HCS's documentation uint32/uint64, schema1 uint64.
 * {@code CreateTimestamp} is an RFC 3339 string.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProcessDetails(
        @JsonProperty("ProcessId") long processId,
        @JsonProperty("ImageName") String imageName,
        @JsonProperty("CreateTimestamp") String createTimestamp,
        @JsonProperty("UserTime100ns") long userTime100ns,
        @JsonProperty("KernelTime100ns") long kernelTime100ns,
        @JsonProperty("MemoryCommitBytes") long memoryCommitBytes,
        @JsonProperty("MemoryWorkingSetPrivateBytes") long memoryWorkingSetPrivateBytes,
        @JsonProperty("MemoryWorkingSetSharedBytes") long memoryWorkingSetSharedBytes) {
}
