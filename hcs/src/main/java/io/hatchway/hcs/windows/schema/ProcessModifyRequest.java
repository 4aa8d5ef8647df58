package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The document {@code HcsModifyProcess} takes ({@code schema2/process_modify_request.go}); the
 * operations are {@code guestrequest.ProcessModifyOperation}'s: {@code ConsoleSize} and
 * {@code CloseHandle}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ProcessModifyRequest(
        @JsonProperty("Operation") String operation,
        @JsonProperty("ConsoleSize") ConsoleSize consoleSize,
        @JsonProperty("CloseHandle") CloseHandle closeHandle) {

    /** Resizes the process's console (hcsshim's {@code Process.ResizeConsole}). */
    public static ProcessModifyRequest resize(int width, int height) {
        return new ProcessModifyRequest("ConsoleSize", new ConsoleSize(height, width), null);
    }

    /** Closes the process's standard input (hcsshim's {@code Process.CloseStdin}). */
    public static ProcessModifyRequest closeStdin() {
        return new ProcessModifyRequest("CloseHandle", null, new CloseHandle(CloseHandle.STD_IN));
    }
}
