package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One read-only image layer ({@code schema2/layer.go}): its GUID and its folder. */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Layer(@JsonProperty("Id") String id, @JsonProperty("Path") String path) {
}
