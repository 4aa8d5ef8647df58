package io.hatchway.jolokia;

import static io.hatchway.jolokia.JolokiaExposureTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, restarting and stopping: files, ports, threads, what is left behind. */
class ExposureLifecycleTest {
    private static final String READ_VM_NAME = """
            {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"}""";

    @TempDir
    Path stateDir;

    @Test
    void thePasswordIsMadeOnceAndReusedByLaterStarts() throws Exception {
        Path dir = stateDir.resolve("new/state");
        String first;
        try (JolokiaExposure exposure = JolokiaExposure.start(config(dir, "127.0.0.1", "basic"))) {
            first = Files.readString(exposure.passwordFile().orElseThrow());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
        try (JolokiaExposure exposure = JolokiaExposure.start(config(dir, "127.0.0.1", "basic"))) {
            assertEquals(first, Files.readString(exposure.passwordFile().orElseThrow()));
            JolokiaClient client = Clients.of(exposure).as(JolokiaExposure.USER, first);
            assertEquals(200, status(client.post(READ_VM_NAME)));
        }
    }

    @Test
    void aPasswordFileOthersCouldReadIsNarrowedTo0600() throws Exception {
        Path file = stateDir.resolve(JolokiaExposure.PASSWORD_FILE);
        Files.writeString(file, "chosen-by-the-user\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (JolokiaExposure exposure = JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            JolokiaClient client = Clients.of(exposure).as(JolokiaExposure.USER, "chosen-by-the-user");
            assertEquals(200, status(client.post(READ_VM_NAME)));
        }
    }

    @Test
    void aSymbolicLinkAsPasswordFileIsRefused() throws Exception {
        Path elsewhere = Files.writeString(stateDir.resolve("elsewhere"), "known-password");
        Files.createSymbolicLink(stateDir.resolve(JolokiaExposure.PASSWORD_FILE), elsewhere);
        IOException refused = assertThrows(IOException.class,
                () -> JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic")));
        assertTrue(refused.getMessage().contains("not a regular file"), refused.getMessage());
    }

    @Test
    void aTakenPortIsAnIOExceptionNamingHostAndPortAndLeavesNoThread() throws Exception {
        Set<Thread> before = jolokiaThreads();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            ExposureConfig config = new ExposureConfig("127.0.0.1", taken.getLocalPort(), "basic", "http", stateDir,
                    Optional.empty(), Optional.empty());
            IOException refused = assertThrows(IOException.class, () -> JolokiaExposure.start(config));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), refused.getMessage());
        }
        Set<Thread> left = jolokiaThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left);
    }

    @Test
    void authNoneServesWithoutCredentialsOnLoopback() throws Exception {
        try (JolokiaExposure exposure = JolokiaExposure.start(config(stateDir, "127.0.0.1", "none"))) {
            assertEquals(Optional.empty(), exposure.passwordFile());
            assertFalse(Files.exists(stateDir.resolve(JolokiaExposure.PASSWORD_FILE)));
            assertEquals(200, status(Clients.of(exposure).post(READ_VM_NAME)));
        }
    }

    @Test
    void authNoneIsRefusedOnAnAddressThatIsNotLoopback() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JolokiaExposure.start(config(stateDir, "0.0.0.0", "none")));
        assertTrue(refused.getMessage().contains("auth=none") && refused.getMessage().contains("loopback"),
                refused.getMessage());
    }

    @Test
    void closeEndsEveryThreadItStartedUnregistersJolokiasMBeansAndIsIdempotent() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        Set<ObjectName> jolokiaMBeansBefore = jolokiaMBeans();
        JolokiaExposure exposure = JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic"));
        JolokiaClient client = Clients.of(exposure);
        assertEquals(200, status(client.post(READ_VM_NAME)));

        Set<Thread> ours = new HashSet<>(Thread.getAllStackTraces().keySet());
        ours.removeAll(before);
        ours.removeIf(thread -> !thread.getName().startsWith("hatchway-jolokia-"));
        Set<String> names = new HashSet<>();
        ours.forEach(thread -> names.add(thread.getName().replaceAll("-\\d+$", "-N")));
        assertTrue(names.containsAll(Set.of("hatchway-jolokia-HTTP-Dispatcher", "hatchway-jolokia-idle-timeout-task",
                "hatchway-jolokia-http-N")), names::toString);
        assertTrue(ours.stream().allMatch(Thread::isDaemon), ours::toString);
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> !before.contains(thread) && thread.getName().equals("HTTP-Dispatcher")));
        assertNotEquals(jolokiaMBeansBefore, jolokiaMBeans());

        exposure.close();
        exposure.close();

        assertTrue(ours.stream().noneMatch(Thread::isAlive), ours::toString);
        assertEquals(jolokiaMBeansBefore, jolokiaMBeans());
        assertThrows(UncheckedIOException.class, () -> client.send("POST", "", READ_VM_NAME, Map.of()));
    }

    @Test
    void itServesOnlyTheMBeanServerItIsGivenAndRegistersNothingInAnyOther() throws Exception {
        TestBean.register(); // in the platform server: must not be served
        Set<ObjectName> platformJolokiaBefore = jolokiaMBeans();
        MBeanServer own = MBeanServerFactory.newMBeanServer();
        own.registerMBean(ManagementFactory.getRuntimeMXBean(), new ObjectName(ManagementFactory.RUNTIME_MXBEAN_NAME));
        try (JolokiaExposure exposure = JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic"), own)) {
            JolokiaClient client = Clients.of(exposure);
            assertEquals(200, status(client.post(READ_VM_NAME)), "an MBean of the given server");
            Map<String, Object> search = client.post("""
                    {"type":"search","mbean":"*:*"}""");
            assertEquals(List.of(ManagementFactory.RUNTIME_MXBEAN_NAME), search.get("value"),
                    "nothing of the platform server: " + search);
            assertEquals(404, status(client.post("""
                    {"type":"read","mbean":"java.lang:type=Memory","attribute":"Verbose"}""")),
                    "a platform MBean the given server does not hold");
            assertEquals(platformJolokiaBefore, jolokiaMBeans(), "no jolokia:* MBean in the platform server");
            assertFalse(own.queryNames(new ObjectName("jolokia:*"), null).isEmpty(),
                    "Jolokia's notification store is in the served server");
        }
        assertEquals(Set.of(), own.queryNames(new ObjectName("jolokia:*"), null), "and goes at close");
    }

    @Test
    void noDelayIsSetForTheJdkServerUnlessTheHostChoseAlready() throws Exception {
        String hosts = System.getProperty(JolokiaExposure.NODELAY);
        try {
            System.clearProperty(JolokiaExposure.NODELAY);
            JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic")).close();
            assertEquals("true", System.getProperty(JolokiaExposure.NODELAY));

            System.setProperty(JolokiaExposure.NODELAY, "TRUE");
            JolokiaExposure.start(config(stateDir, "127.0.0.1", "basic")).close();
            assertEquals("TRUE", System.getProperty(JolokiaExposure.NODELAY));
        } finally {
            if (hosts == null) {
                System.clearProperty(JolokiaExposure.NODELAY);
            } else {
                System.setProperty(JolokiaExposure.NODELAY, hosts);
            }
        }
    }

    @Test
    void theFeaturesLeftOutAreNotOnTheClassPath() {
        for (String feature : List.of(
                "org.jolokia.service.jsr160.Jsr160RequestHandler",
                "org.jolokia.service.discovery.JolokiaDiscovery",
                "org.jolokia.service.history.HistoryMBeanRequestInterceptor",
                "org.jolokia.service.notif.sse.SseNotificationBackend",
                "org.jolokia.server.detector.jee.TomcatDetector")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(feature), feature);
        }
    }

    // ----

    static ExposureConfig config(Path stateDir, String host, String auth) {
        return new ExposureConfig(host, 0, auth, "http", stateDir, Optional.empty(), Optional.empty());
    }

    private static Set<Thread> jolokiaThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(thread -> !thread.getName().startsWith("hatchway-jolokia-"));
        return threads;
    }

    private static Set<ObjectName> jolokiaMBeans() throws Exception {
        return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("jolokia:*"), null);
    }
}
