package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.schema.SignalProcessOptions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WindowsSignalsTest {

    private static final Map<Integer, String> SUPPORTED = Map.of(
            0, "{\"Signal\":\"CtrlC\"}",
            1, "{\"Signal\":\"CtrlBreak\"}",
            2, "{\"Signal\":\"CtrlClose\"}",
            5, "{\"Signal\":\"CtrlLogOff\"}",
            6, "{\"Signal\":\"CtrlShutdown\"}",
            15, "{\"Signal\":\"CtrlShutdown\"}",
            9, "terminate");

    @Test
    void withSignalSupportEachCtrlEventIsSentAndNineTerminates() {
        for (int signal = -2; signal <= 70; signal++) {
            String expected = SUPPORTED.get(signal);
            if (expected == null) {
                assertInvalid(signal, true);
            } else {
                assertEquals(expected, delivered(WindowsSignals.options(signal, true)), "signal " + signal);
            }
        }
        assertInvalid(Integer.MAX_VALUE, true);
        assertInvalid(Integer.MIN_VALUE, true);
    }

    @Test
    void withoutSignalSupportOnlySixNineAndFifteenAreTakenAllAsTerminate() {
        for (int signal = -2; signal <= 70; signal++) {
            if (signal == 6 || signal == 9 || signal == 15) {
                assertEquals("terminate", delivered(WindowsSignals.options(signal, false)), "signal " + signal);
            } else {
                assertInvalid(signal, false);
            }
        }
    }

    private static void assertInvalid(int signal, boolean supported) {
        HatchwayException e = assertThrows(HatchwayException.class, () -> WindowsSignals.check(signal, supported));
        assertEquals(ErrorKind.FailedPrecondition, e.kind());
        assertEquals("FailedPrecondition: signal " + signal + ": invalid signal value", e.getMessage());
    }

    private static String delivered(Optional<SignalProcessOptions> options) {
        return options.map(Json::write).orElse("terminate");
    }
}
