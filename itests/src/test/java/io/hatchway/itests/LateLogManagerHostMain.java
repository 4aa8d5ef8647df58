package io.hatchway.itests;

import java.util.logging.LogManager;

/**
 * A host that installs its own {@link LogManager} late, in its main, as WildFly and JBoss Modules
 * do: it waits (at most 30 s) until the agent, if any, reports Hatchway started, then sets
 * {@code java.util.logging.manager} and prints which LogManager it got, and how many MBean servers
 * (the platform one included) had been made and recorded in the JVM by then.
 */
public final class LateLogManagerHostMain {
    static final String GOT = "late log manager host: LogManager is ";
    static final String SERVERS = "late log manager host: MBean servers made before its own: ";

    /** The host's own LogManager. */
    public static final class HostLogManager extends LogManager {
    }

    private LateLogManagerHostMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.getProperty("hatchway.agent") == null && System.getProperty("hatchway.agent.failure") == null
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.println(SERVERS + javax.management.MBeanServerFactory.findMBeanServer(null).size());
        System.setProperty("java.util.logging.manager", HostLogManager.class.getName());
        System.out.println(GOT + LogManager.getLogManager().getClass().getName());
    }
}
