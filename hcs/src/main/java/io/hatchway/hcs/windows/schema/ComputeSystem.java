package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The document {@code HcsCreateComputeSystem} takes ({@code schema2/compute_system.go}). Of the
 * mutually exclusive {@code Container}, {@code VirtualMachine} and {@code HostedSystem} Hatchway
 * carries one of the first two: a process-isolated container, or a utility VM.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ComputeSystem(
        @JsonProperty("Owner") String owner,
        @JsonProperty("SchemaVersion") Version schemaVersion,
        @JsonProperty("Container") Container container,
        @JsonProperty("VirtualMachine") VirtualMachine virtualMachine,
        @JsonProperty("ShouldTerminateOnLastHandleClosed") boolean shouldTerminateOnLastHandleClosed) {

    /**
     * A process-isolated container as hcsshim creates one ({@code hcsoci/create.go}): schema 2.1,
     * terminated by HCS once the last handle to it is closed (so a crashed agent leaves nothing
     * running that nobody can reach).
     */
    public static ComputeSystem container(String owner, Container container) {
        return new ComputeSystem(Objects.requireNonNull(owner), Version.V2_1, Objects.requireNonNull(container), null, true);
    }

    /** A utility VM as hcsshim's {@code CreateLCOW} creates one: schema 2.1, terminated with its last handle. */
    public static ComputeSystem virtualMachine(String owner, VirtualMachine virtualMachine) {
        return new ComputeSystem(Objects.requireNonNull(owner), Version.V2_1, null,
                Objects.requireNonNull(virtualMachine), true);
    }
}
