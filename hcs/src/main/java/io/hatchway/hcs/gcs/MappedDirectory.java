package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A Plan9 share mounted in the guest (hcsshim's {@code LCOWMappedDirectory}): the guest dials the
 * host's Plan9 server on vsock {@code port} and mounts {@code shareName} at {@code mountPath}.
 */
public record MappedDirectory(
        @JsonProperty("MountPath") String mountPath,
        @JsonProperty("Port") int port,
        @JsonProperty("ShareName") String shareName,
        @JsonProperty("ReadOnly") boolean readOnly) {
}
