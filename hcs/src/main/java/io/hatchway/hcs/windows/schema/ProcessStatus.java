package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.OptionalLong;

/**
 * A process's state: the data of a {@code ProcessExited} event and what
 * {@code HcsGetProcessProperties} returns ({@code schema2/process_status.go}). {@code ExitCode} is
 * uint32, {@code LastWaitResult} an HRESULT.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProcessStatus(
        @JsonProperty("ProcessId") long processId,
        @JsonProperty("Exited") boolean exited,
        @JsonProperty("ExitCode") long exitCode,
        @JsonProperty("LastWaitResult") int lastWaitResult) {

    /**
     * The exit code when HCS could read it: hcsshim ({@code hcs/v2 process.go waitBackground})
     * uses {@code ExitCode} only when {@code LastWaitResult} is 0 and reports -1 otherwise.
     */
    public OptionalLong knownExitCode() {
        return lastWaitResult == 0 ? OptionalLong.of(exitCode) : OptionalLong.empty();
    }
}
