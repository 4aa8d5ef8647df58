package io.hatchway.bench;

/**
 * A Java agent that only notes when its {@code premain} ran: {@code -javaagent:stamp.jar=before}
 * ahead of Hatchway's {@code -javaagent} and {@code =after} behind it bracket the time Hatchway's
 * {@code premain} holds the host's main thread (the JVM runs agents' premains in order, on main).
 */
public final class StampAgent {
    static final String PROPERTY = "bench.stamp.";

    private StampAgent() {
    }

    /** The two-argument form, which the JVM looks up first (a miss would cost the first agent a reflective exception). */
    public static void premain(String args, java.lang.instrument.Instrumentation instrumentation) {
        System.setProperty(PROPERTY + args, Long.toString(System.nanoTime()));
    }
}
