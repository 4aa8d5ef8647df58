package io.hatchway.agent;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryManagerMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.PlatformManagedObject;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerFactory;
import javax.management.NotificationEmitter;
import javax.management.ObjectName;
import javax.management.StandardEmitterMBean;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two MBean servers Hatchway uses: its own, made at start, and the host's platform MBean
 * server, used only once something else made it.
 *
 * <p>Hatchway never calls {@link ManagementFactory#getPlatformMBeanServer()}: that would create the
 * platform server (and initialize {@code java.util.logging} with it) before a host such as WildFly
 * installs its log manager and its {@code javax.management.builder.initial}, which then fail or are
 * ignored. The platform server is made through {@link MBeanServerFactory#createMBeanServer()},
 * which records it, so {@link MBeanServerFactory#findMBeanServer(String) findMBeanServer(null)}
 * sees it once it exists, without creating anything.
 */
final class MBeanServers {
    private static final Logger log = LoggerFactory.getLogger(MBeanServers.class);
    /** Registered by the platform server's creation, first of its MXBeans. */
    private static final ObjectName RUNTIME = name(ManagementFactory.RUNTIME_MXBEAN_NAME);
    /** The {@code java.lang} MXBeans, those Hatchway's access policy lets Jolokia read; no logging MXBean. */
    private static final List<Class<? extends PlatformManagedObject>> JAVA_LANG = List.of(RuntimeMXBean.class,
            MemoryMXBean.class, ThreadMXBean.class, OperatingSystemMXBean.class, ClassLoadingMXBean.class,
            CompilationMXBean.class, MemoryManagerMXBean.class, MemoryPoolMXBean.class);

    private MBeanServers() {
    }

    /**
     * Hatchway's own MBean server, recorded nowhere (no {@code findMBeanServer} sees it), made by the
     * JDK's builder whatever {@code javax.management.builder.initial} says (that is the host's), and
     * holding the {@code java.lang} MXBeans beside Hatchway's. Creating it initializes neither
     * {@code java.util.logging} nor the platform MBean server.
     */
    static MBeanServer own() {
        MBeanServer server = new MBeanServerBuilder().newMBeanServer(null, null, new MBeanServerDelegate());
        for (Class<? extends PlatformManagedObject> type : JAVA_LANG) {
            for (PlatformManagedObject mxbean : ManagementFactory.getPlatformMXBeans(type)) {
                register(server, mxbean);
            }
        }
        return server;
    }

    private static void register(MBeanServer server, PlatformManagedObject mxbean) {
        try {
            DynamicMBean mbean = mxbean instanceof DynamicMBean dynamic ? dynamic
                    : mxbean instanceof NotificationEmitter emitter ? new StandardEmitterMBean(mxbean, null, true, emitter)
                    : new StandardMBean(mxbean, null, true);
            server.registerMBean(mbean, mxbean.getObjectName());
        } catch (InstanceAlreadyExistsException e) { // a garbage collector is a memory manager too
        } catch (JMException | RuntimeException e) {
            log.warn("{} is not served: {}", mxbean.getObjectName(), e.toString());
        }
    }

    /** The platform MBean server if it has been made (by the host, or the JDK's management agent). */
    static Optional<MBeanServer> platformIfMade() {
        for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
            try {
                if (server.isRegistered(RUNTIME)) {
                    return Optional.of(server);
                }
            } catch (RuntimeException e) { // a host's server that refuses even this: not the one we look for
            }
        }
        return Optional.empty();
    }

    /**
     * Watches, on the daemon thread {@value Watch#THREAD}, for the platform MBean server to be made,
     * and hands it to {@code found} once, then ends. A cheap check ({@link #platformIfMade()}),
     * every 10 ms at first, then less often, from one second on every second.
     */
    static Watch watchPlatform(Consumer<MBeanServer> found) {
        Watch watch = new Watch(found);
        watch.thread.start();
        return watch;
    }

    /** A running watch; {@link #close()} ends it. */
    static final class Watch implements AutoCloseable {
        static final String THREAD = "hatchway-platform-mbeans";
        private static final long FIRST_MILLIS = 10;
        private static final long LAST_MILLIS = 1000;
        private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

        private final CountDownLatch closed = new CountDownLatch(1);
        private final Thread thread;

        private Watch(Consumer<MBeanServer> found) {
            this.thread = new Thread(() -> watch(found), THREAD);
            thread.setDaemon(true);
        }

        private void watch(Consumer<MBeanServer> found) {
            try {
                for (long delay = FIRST_MILLIS; ; delay = Math.min(delay * 2, LAST_MILLIS)) {
                    Optional<MBeanServer> platform = platformIfMade();
                    if (platform.isPresent()) {
                        found.accept(platform.get());
                        return;
                    }
                    if (closed.await(delay, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            } catch (InterruptedException e) { // closed
            } catch (RuntimeException | Error e) {
                log.warn("Hatchway's MBeans are not registered in the platform MBean server: {}", e.toString());
            }
        }

        /** Ends the watch and waits (bounded) for its thread; a mirroring in progress completes first. */
        @Override
        public void close() {
            closed.countDown();
            try {
                thread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("{} still running {} after stop", THREAD, CLOSE_TIMEOUT);
            }
        }
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (JMException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
