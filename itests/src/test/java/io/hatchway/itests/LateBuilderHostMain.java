package io.hatchway.itests;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;
import javax.management.ObjectName;

/**
 * A host that chooses its own MBean server builder late, in its main, as JBoss Modules (WildFly) and
 * Artemis do for their JMX guards: it waits (at most 30 s) until the agent, if any, reports Hatchway
 * started, sets {@code javax.management.builder.initial}, makes the platform MBean server, prints
 * whether its builder made it, then waits (at most 30 s) for Hatchway's service MBean in that server
 * and prints whether it came. Then it lives until its stdin closes.
 */
public final class LateBuilderHostMain {
    static final String DOMAIN = "late-builder-host";
    static final String GOT = "late builder host: platform server's default domain is ";
    static final String HATCHWAY = "late builder host: hatchway:type=TaskService in it: ";

    /** The host's builder: its servers have the default domain {@value #DOMAIN}. */
    public static final class HostBuilder extends MBeanServerBuilder {
        @Override
        public MBeanServer newMBeanServer(String defaultDomain, MBeanServer outer, MBeanServerDelegate delegate) {
            return super.newMBeanServer(DOMAIN, outer, delegate);
        }
    }

    private LateBuilderHostMain() {
    }

    public static void main(String[] args) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.getProperty("hatchway.agent") == null && System.getProperty("hatchway.agent.failure") == null
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.setProperty("javax.management.builder.initial", HostBuilder.class.getName());
        MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
        System.out.println(GOT + platform.getDefaultDomain());
        ObjectName service = new ObjectName("hatchway:type=TaskService");
        deadline = System.nanoTime() + 30_000_000_000L;
        while (!platform.isRegistered(service) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.println(HATCHWAY + platform.isRegistered(service));
        System.out.println(HostMain.RUNNING);
        while (System.in.read() != -1) { // the test closes stdin to end the host
        }
    }
}
