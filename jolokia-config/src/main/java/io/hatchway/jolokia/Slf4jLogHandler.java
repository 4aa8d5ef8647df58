package io.hatchway.jolokia;

import org.jolokia.core.api.LogHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jolokia's log lines, to slf4j under the logger {@code org.jolokia} (Jolokia's own default
 * category), so they reach whatever sink the agent set up and never stdout. Thread-safe.
 */
final class Slf4jLogHandler implements LogHandler {
    private final Logger log = LoggerFactory.getLogger("org.jolokia");

    @Override
    public void debug(String message) {
        log.debug(message);
    }

    @Override
    public void info(String message) {
        log.info(message);
    }

    @Override
    public void error(String message, Throwable t) {
        log.error(message, t);
    }

    /** Jolokia logs every error response (with its stack trace) when this is true. */
    @Override
    public boolean isDebug() {
        return log.isDebugEnabled();
    }
}
