package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A console's size in character cells ({@code schema2/console_size.go}; both are uint16 there). */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ConsoleSize(@JsonProperty("Height") int height, @JsonProperty("Width") int width) {
}
