package io.hatchway.agent;

/**
 * The agent's own start-up lines, on the host's standard error with a {@code [hatchway]} prefix.
 * Deliberately not through the host's logging: it may not be set up yet, and must not be touched.
 */
final class AgentLog {
    private AgentLog() {
    }

    static void info(String message) {
        System.err.println("[hatchway] " + message);
    }

    static void error(String message, Throwable cause) {
        System.err.println("[hatchway] ERROR " + message + (cause == null ? "" : ": " + cause));
    }
}
