package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which of a process's standard handles to close ({@code schema2/close_handle.go}); the values are
 * {@code guestrequest.STDIOHandle}'s: {@code StdIn}, {@code StdOut}, {@code StdErr}, {@code All}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record CloseHandle(@JsonProperty("Handle") String handle) {
    public static final String STD_IN = "StdIn";
}
