package io.hatchway.hcs;

/** The signal rules of CONTRACT.md. */
public final class Signals {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private Signals() {
    }

    /** Linux targets take 1–31. @throws HatchwayException FailedPrecondition otherwise */
    public static void checkLinux(int signal) {
        if (signal < 1 || signal > 31) {
            throw invalid(signal);
        }
    }

    public static HatchwayException invalid(int signal) {
        return ErrorKind.FailedPrecondition.error("signal %d: invalid signal value", signal);
    }
}
