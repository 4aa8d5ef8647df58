package io.hatchway.agent;

import io.hatchway.agent.logging.LogSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's start and stop lines: one line on the host's standard error with a {@code [hatchway]}
 * prefix, so an operator sees at once whether Hatchway serves, and the same in Hatchway's log.
 */
final class AgentLog {
    private static final Logger log = LoggerFactory.getLogger("io.hatchway.agent");

    private AgentLog() {
    }

    static void info(String message) {
        System.err.println("[hatchway] " + message);
        if (LogSink.isFile()) {
            log.info(message);
        }
    }

    /** One line on stderr; the cause's stack trace goes to Hatchway's log file only. */
    static void error(String message, Throwable cause) {
        System.err.println("[hatchway] ERROR " + message);
        if (LogSink.isFile()) {
            log.error(message, cause);
        }
    }
}
