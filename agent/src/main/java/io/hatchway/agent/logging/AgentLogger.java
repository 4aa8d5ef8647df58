package io.hatchway.agent.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An slf4j logger writing to {@link LogSink} at INFO and above ({@code -Dhatchway.debug=true}: DEBUG). */
final class AgentLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private static final boolean DEBUG = Boolean.getBoolean("hatchway.debug");

    AgentLogger(String name) {
        this.name = name;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
            Throwable throwable) {
        LogSink.write(level.name(), name, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }

    @Override
    public boolean isDebugEnabled() {
        return DEBUG;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }
}
