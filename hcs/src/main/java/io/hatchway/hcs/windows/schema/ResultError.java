package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The error document an HCS operation may return with a failure (HCS schema {@code ResultError};
 * hcsshim's {@code hcs/v2 errors.go hcsResult} and {@code ErrorEvent}). {@code Error} is the
 * HRESULT; HCS writes it signed, some writers unsigned, so it is read as a {@code long}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultError(
        @JsonProperty("Error") long error,
        @JsonProperty("ErrorMessage") String errorMessage,
        @JsonProperty("ErrorEvents") List<ErrorEvent> errorEvents) {

    public ResultError {
        errorEvents = errorEvents == null ? null : List.copyOf(errorEvents);
    }

    /** {@code Error} as the 32-bit HRESULT it is. */
    public int hresult() {
        return (int) error;
    }

    /** An event HCS logged on the way to the error. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorEvent(
            @JsonProperty("Message") String message,
            @JsonProperty("StackTrace") String stackTrace,
            @JsonProperty("Provider") String provider,
            @JsonProperty("EventId") int eventId,
            @JsonProperty("Flags") long flags,
            @JsonProperty("Source") String source) {
    }
}
