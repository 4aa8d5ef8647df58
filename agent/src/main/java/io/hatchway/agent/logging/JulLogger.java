package io.hatchway.agent.logging;

import java.text.MessageFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for {@code java.util.logging.Logger} in the agent jar's private area. JNA (and
 * Jolokia's unused {@code JulLogHandler}) get their loggers from {@code java.util.logging}, which
 * would create them in the host's LogManager, and initialise that before the host does. The build
 * relocates those references to this class, which writes to Hatchway's own log through slf4j
 * instead. It has exactly the methods that the private area's classes call (the build's
 * {@code AgentJarLayoutTest} checks none calls another), with the JDK's meaning: parameters are
 * {@link MessageFormat} patterns. Thread-safe.
 */
public final class JulLogger {
    private final Logger log;

    private JulLogger(Logger log) {
        this.log = log;
    }

    public static JulLogger getLogger(String name) {
        return new JulLogger(LoggerFactory.getLogger(name));
    }

    public boolean isLoggable(JulLevel level) {
        return log.isEnabledForLevel(level.slf4j);
    }

    public void log(JulLevel level, String message) {
        write(level, message, null, null);
    }

    public void log(JulLevel level, String message, Object parameter) {
        write(level, message, new Object[] {parameter}, null);
    }

    public void log(JulLevel level, String message, Object[] parameters) {
        write(level, message, parameters, null);
    }

    public void log(JulLevel level, String message, Throwable thrown) {
        write(level, message, null, thrown);
    }

    public void info(String message) {
        write(JulLevel.INFO, message, null, null);
    }

    public void finer(String message) {
        write(JulLevel.FINER, message, null, null);
    }

    private void write(JulLevel level, String message, Object[] parameters, Throwable thrown) {
        if (!isLoggable(level)) {
            return;
        }
        String text = message;
        if (parameters != null && parameters.length > 0 && message != null && message.contains("{")) {
            try {
                text = MessageFormat.format(message, parameters);
            } catch (IllegalArgumentException e) { // as java.util.logging.Formatter: the pattern as it is
            }
        }
        switch (level.slf4j) {
            case ERROR -> log.error(text, thrown);
            case WARN -> log.warn(text, thrown);
            case INFO -> log.info(text, thrown);
            case DEBUG -> log.debug(text, thrown);
            default -> log.trace(text, thrown);
        }
    }
}
