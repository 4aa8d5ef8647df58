package io.hatchway.itests;

import java.lang.instrument.Instrumentation;

/**
 * An agent that does nothing: the baseline of what any {@code -javaagent} costs a JVM's start-up
 * (the instrumentation module, reading the jar), against which {@link StartupTimingTest} tells
 * Hatchway's own share.
 */
public final class NoopAgent {
    private NoopAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
    }
}
