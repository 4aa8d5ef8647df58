package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A container's file system ({@code schema2/storage.go}): the read-only image layers, topmost
 * first, and {@code Path}, the volume the scratch layer is mounted at.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Storage(@JsonProperty("Layers") List<Layer> layers, @JsonProperty("Path") String path) {

    public Storage {
        layers = layers == null ? null : List.copyOf(layers);
    }
}
