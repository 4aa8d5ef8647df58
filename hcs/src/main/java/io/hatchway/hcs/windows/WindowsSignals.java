package io.hatchway.hcs.windows;

import io.hatchway.hcs.Signals;
import io.hatchway.hcs.windows.schema.SignalProcessOptions;
import java.util.Optional;

/**
 * Which signals a Windows process takes and what each becomes, as hcsshim's
 * {@code internal/signals ValidateWCOW}: the numbers are the Win32 {@code CTRL_*_EVENT} values plus
 * the two Unix numbers Docker sends (9 and 15).
 *
 * <table>
 * <caption>signal → what is delivered</caption>
 * <tr><th>signal</th><th>signals supported</th><th>not supported</th></tr>
 * <tr><td>0</td><td>{@code CtrlC}</td><td>invalid</td></tr>
 * <tr><td>1</td><td>{@code CtrlBreak}</td><td>invalid</td></tr>
 * <tr><td>2</td><td>{@code CtrlClose}</td><td>invalid</td></tr>
 * <tr><td>5</td><td>{@code CtrlLogOff}</td><td>invalid</td></tr>
 * <tr><td>6, 15</td><td>{@code CtrlShutdown}</td><td>terminate</td></tr>
 * <tr><td>9</td><td>terminate</td><td>terminate</td></tr>
 * <tr><td>other</td><td>invalid</td><td>invalid</td></tr>
 * </table>
 *
 * <p>"Supported" is hcsshim's {@code osversion.Build() >= RS5 && (host == nil ||
 * host.SignalProcessSupported())}: for a process-isolated container it is true on every Windows
 * that has {@code computecore.dll} (1809, RS5, and later). Invalid is FailedPrecondition
 * {@code signal <n>: invalid signal value} ({@link Signals#invalid}). 0 is CtrlC, not a probe.
 */
public final class WindowsSignals {
    static final int CTRL_C = 0;
    static final int CTRL_BREAK = 1;
    static final int CTRL_CLOSE = 2;
    static final int CTRL_LOGOFF = 5;
    static final int CTRL_SHUTDOWN = 6;

    private WindowsSignals() {
    }

    /**
     * What {@code signal} becomes: the document for {@code HcsSignalProcess}, or empty for
     * "terminate the process" ({@code HcsTerminateProcess}).
     *
     * @throws io.hatchway.hcs.HatchwayException FailedPrecondition for a signal the process cannot take
     */
    public static Optional<SignalProcessOptions> options(int signal, boolean signalsSupported) {
        if (!signalsSupported) {
            return switch (signal) {
                case CTRL_SHUTDOWN, Signals.SIGTERM, Signals.SIGKILL -> Optional.empty();
                default -> throw Signals.invalid(signal);
            };
        }
        String name = switch (signal) {
            case CTRL_C -> "CtrlC";
            case CTRL_BREAK -> "CtrlBreak";
            case CTRL_CLOSE -> "CtrlClose";
            case CTRL_LOGOFF -> "CtrlLogOff";
            case CTRL_SHUTDOWN, Signals.SIGTERM -> "CtrlShutdown"; // SIGTERM is most like CtrlShutdown
            case Signals.SIGKILL -> null;
            default -> throw Signals.invalid(signal);
        };
        return Optional.ofNullable(name).map(SignalProcessOptions::new);
    }

    /** Checks that a Windows process takes {@code signal}; {@link #options}'s rule without the result. */
    public static void check(int signal, boolean signalsSupported) {
        options(signal, signalsSupported);
    }
}
