package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The document {@code HcsModifyComputeSystem} takes ({@code schema2/modify_setting_request.go}):
 * {@code RequestType} is {@code Add}, {@code Remove} or {@code Update}
 * ({@code guestrequest.RequestType}), {@code ResourcePath} one of {@code internal/hcs/resourcepaths}
 * (e.g. {@code Container/MappedDirectories}), {@code Settings} the resource's own document.
 * {@code GuestRequest} is for a utility VM's guest and stays empty for a process-isolated container.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ModifySettingRequest(
        @JsonProperty("ResourcePath") String resourcePath,
        @JsonProperty("RequestType") String requestType,
        @JsonProperty("Settings") Object settings,
        @JsonProperty("GuestRequest") Object guestRequest) {

    /** {@code internal/hcs/resourcepaths SiloMappedDirectoryResourcePath}. */
    public static final String CONTAINER_MAPPED_DIRECTORIES = "Container/MappedDirectories";

    /** {@code internal/hcs/resourcepaths Plan9ShareResourcePath}: a utility VM's Plan9 shares. */
    public static final String PLAN9_SHARES = "VirtualMachine/Devices/Plan9/Shares";

    /** Adds ({@code Add}) or removes ({@code Remove}) a Plan9 share of a running utility VM: hcsshim's host half of {@code AddPlan9}. */
    public static ModifySettingRequest plan9Share(String requestType, VirtualMachine.Plan9Share share) {
        return new ModifySettingRequest(PLAN9_SHARES, requestType, share, null);
    }

    /** Adds a directory to a running container, as hcsshim's task update with a mount does. */
    public static ModifySettingRequest addMappedDirectory(MappedDirectory directory) {
        return new ModifySettingRequest(CONTAINER_MAPPED_DIRECTORIES, "Add", directory, null);
    }
}
