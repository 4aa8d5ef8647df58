package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * A container's root file system as the guest assembles it (hcsshim's {@code CombinedLayers}): an
 * overlay of the read-only {@code layers} under a writable upper and work directory the guest
 * makes in {@code scratchPath}, mounted at {@code containerRootPath}. Paths are the guest's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CombinedLayers(
        @JsonProperty("ContainerID") String containerId,
        @JsonProperty("ContainerRootPath") String containerRootPath,
        @JsonProperty("Layers") List<Layer> layers,
        @JsonProperty("ScratchPath") String scratchPath) {

    public CombinedLayers {
        Objects.requireNonNull(containerId);
        Objects.requireNonNull(containerRootPath);
        layers = layers == null ? null : List.copyOf(layers);
    }

    /** One read-only layer: an id of the host's choosing and the directory in the guest. */
    public record Layer(@JsonProperty("Id") String id, @JsonProperty("Path") String path) {
    }
}
