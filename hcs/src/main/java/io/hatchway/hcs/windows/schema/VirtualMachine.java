package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A utility VM ({@code schema2/virtual_machine.go} and the records it holds), as hcsshim's
 * {@code CreateLCOW} fills it for a Linux guest booted directly from a kernel and an initrd. The
 * host reaches the guest agent itself, listening on hvsock (hcsshim's external guest connection),
 * so HCS's own {@code GuestConnection} is left out.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record VirtualMachine(
        @JsonProperty("StopOnReset") boolean stopOnReset,
        @JsonProperty("Chipset") Chipset chipset,
        @JsonProperty("ComputeTopology") Topology computeTopology,
        @JsonProperty("Devices") Devices devices) {

    /** {@code schema2/chipset.go}: the boot source. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Chipset(@JsonProperty("LinuxKernelDirect") LinuxKernelDirect linuxKernelDirect) {
    }

    /** {@code schema2/linux_kernel_direct.go}: a kernel and an initrd booted without firmware. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record LinuxKernelDirect(
            @JsonProperty("KernelFilePath") String kernelFilePath,
            @JsonProperty("InitRdPath") String initRdPath,
            @JsonProperty("KernelCmdLine") String kernelCmdLine) {
    }

    /** {@code schema2/topology.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Topology(@JsonProperty("Memory") Memory memory, @JsonProperty("Processor") Processor processor) {
    }

    /** {@code schema2/memory_2.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Memory(@JsonProperty("SizeInMB") long sizeInMb, @JsonProperty("AllowOvercommit") boolean allowOvercommit) {
    }

    /** {@code schema2/processor_2.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Processor(@JsonProperty("Count") int count) {
    }

    /** {@code schema2/devices.go}: hvsock for the guest agent, Plan9 for shares. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Devices(@JsonProperty("HvSocket") HvSocket hvSocket, @JsonProperty("Plan9") Plan9 plan9) {
    }

    /** {@code schema2/hv_socket_2.go}. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record HvSocket(@JsonProperty("HvSocketConfig") HvSocketConfig hvSocketConfig) {
    }

    /**
     * {@code schema2/hv_socket_system_config.go}: hcsshim lets SYSTEM and the administrators bind
     * ({@code D:P(A;;FA;;;SY)(A;;FA;;;BA)}).
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record HvSocketConfig(@JsonProperty("DefaultBindSecurityDescriptor") String defaultBindSecurityDescriptor) {
    }

    /** {@code schema2/plan9.go}: the shares the VM starts with (none; they are added while it runs). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Plan9(@JsonProperty("Shares") List<Plan9Share> shares) {
    }

    /**
     * {@code schema2/plan9_share.go}: the host directory {@code path} served to the guest as
     * {@code name} on vsock {@code port}; {@code flags} {@code ReadOnly 0x1}, {@code LinuxMetadata
     * 0x4}, {@code CaseSensitive 0x8}, {@code RestrictFileAccess 0x80} (only {@code allowedFiles}).
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Plan9Share(
            @JsonProperty("Name") String name,
            @JsonProperty("AccessName") String accessName,
            @JsonProperty("Path") String path,
            @JsonProperty("Port") int port,
            @JsonProperty("Flags") int flags,
            @JsonProperty("AllowedFiles") List<String> allowedFiles) {
        public static final int READ_ONLY = 0x1;
        public static final int LINUX_METADATA = 0x4;
        public static final int CASE_SENSITIVE = 0x8;
        public static final int RESTRICT_FILE_ACCESS = 0x80;
    }
}
