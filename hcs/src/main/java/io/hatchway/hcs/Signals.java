package io.hatchway.hcs;

import java.util.function.IntPredicate;

/**
 * The signal numbers the task layer itself sends, and the error CONTRACT.md gives for a signal a
 * target cannot take. Which signals a target takes is its backend's rule
 * ({@link ComputeSystem#checkSignal}).
 */
public final class Signals {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private Signals() {
    }

    /**
     * Applies a target's rule for signals (its platform's facts, such as
     * {@code linux.LinuxTarget::takesSignal}). @throws HatchwayException {@link #invalid} for one it does not take
     */
    public static void check(int signal, IntPredicate takes) {
        if (!takes.test(signal)) {
            throw invalid(signal);
        }
    }

    /** FailedPrecondition {@code signal <n>: invalid signal value}. */
    public static HatchwayException invalid(int signal) {
        return ErrorKind.FailedPrecondition.error("signal %d: invalid signal value", signal);
    }
}
