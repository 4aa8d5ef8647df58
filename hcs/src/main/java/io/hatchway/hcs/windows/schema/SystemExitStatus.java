package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The data of a {@code SystemExited} event (HCS schema {@code SystemExitStatus}; hcsshim parses it
 * inline in {@code hcs/v2 system.go waitBackground}): {@code Status} is an HRESULT,
 * {@code ExitType} one of {@code None}, {@code GracefulExit}, {@code ForcedExit},
 * {@code UnexpectedExit}, {@code Unknown}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SystemExitStatus(@JsonProperty("Status") int status, @JsonProperty("ExitType") String exitType) {

    /** Whether the system died rather than being shut down or terminated (hcsshim's {@code ErrVmcomputeUnexpectedExit}). */
    public boolean unexpected() {
        return "UnexpectedExit".equals(exitType);
    }
}
