package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A host directory (or file) made visible in the container ({@code schema2/mapped_directory.go}). */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record MappedDirectory(
        @JsonProperty("HostPath") String hostPath,
        @JsonProperty("ContainerPath") String containerPath,
        @JsonProperty("ReadOnly") boolean readOnly) {
}
