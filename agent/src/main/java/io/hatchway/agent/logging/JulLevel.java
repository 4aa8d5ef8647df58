package io.hatchway.agent.logging;

import org.slf4j.event.Level;

/**
 * Stands in for {@code java.util.logging.Level} in the agent jar's private area: the build
 * relocates every reference to that class there to this one (see {@link JulLogger}). It has the
 * levels those references use, and nothing of {@code java.util.logging}.
 */
public final class JulLevel {
    public static final JulLevel SEVERE = new JulLevel(Level.ERROR);
    public static final JulLevel WARNING = new JulLevel(Level.WARN);
    public static final JulLevel INFO = new JulLevel(Level.INFO);
    public static final JulLevel FINE = new JulLevel(Level.DEBUG);
    public static final JulLevel FINER = new JulLevel(Level.TRACE);

    final Level slf4j;

    private JulLevel(Level slf4j) {
        this.slf4j = slf4j;
    }

    @Override
    public String toString() {
        return slf4j.name();
    }
}
