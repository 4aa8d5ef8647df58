package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What {@code HcsGetComputeSystemProperties} returns, and each element of what
 * {@code HcsEnumerateComputeSystems} returns ({@code schema2/properties.go}). {@code Id} and
 * {@code SystemType} are always there; {@code Statistics} and {@code ProcessList} only when the
 * query asked for them.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Properties(
        @JsonProperty("Id") String id,
        @JsonProperty("SystemType") String systemType,
        @JsonProperty("RuntimeOsType") String runtimeOsType,
        @JsonProperty("Name") String name,
        @JsonProperty("Owner") String owner,
        @JsonProperty("RuntimeId") String runtimeId,
        @JsonProperty("State") String state,
        @JsonProperty("Stopped") boolean stopped,
        @JsonProperty("ExitType") String exitType,
        @JsonProperty("Statistics") Statistics statistics,
        @JsonProperty("ProcessList") List<ProcessDetails> processList,
        @JsonProperty("TerminateOnLastHandleClosed") boolean terminateOnLastHandleClosed,
        @JsonProperty("HostingSystemId") String hostingSystemId,
        @JsonProperty("Memory") MemoryInformation memory) {

    /**
     * A utility VM's {@code Memory} ({@code schema2/memory_information_for_vm.go}); its
     * {@code AssignedMemory} counts 4 KiB pages.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MemoryInformation(
            @JsonProperty("VirtualNodeCount") int virtualNodeCount,
            @JsonProperty("VirtualMachineMemory") VirtualMachineMemory virtualMachineMemory) {
    }

    /** {@code schema2/vm_memory.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record VirtualMachineMemory(
            @JsonProperty("AssignedMemory") long assignedMemory,
            @JsonProperty("ReservedMemory") long reservedMemory) {
    }

    public Properties {
        processList = processList == null ? null : List.copyOf(processList);
    }

    /** The process list, empty when the answer has none. */
    public List<ProcessDetails> processes() {
        return processList == null ? List.of() : processList;
    }
}
