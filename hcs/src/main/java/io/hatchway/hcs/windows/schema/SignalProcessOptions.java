package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The document {@code HcsSignalProcess} takes for a Windows process (hcsshim's
 * {@code internal/protocol/guestresource SignalProcessOptionsWCOW}; HCS schema {@code ProcessSignal}):
 * {@code Signal} is one of {@code CtrlC}, {@code CtrlBreak}, {@code CtrlClose}, {@code CtrlLogOff},
 * {@code CtrlShutdown} (hcsshim's {@code guestrequest.SignalValueWCOW}).
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record SignalProcessOptions(@JsonProperty("Signal") String signal) {
}
