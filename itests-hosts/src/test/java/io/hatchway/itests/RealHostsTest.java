package io.hatchway.itests;

import static io.hatchway.itests.ChildJvm.TASK_SERVICE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.itests.RealHost.Mode;
import io.hatchway.itests.RealHost.Running;
import io.hatchway.testsupport.Jcmd;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hatchway in real servers, as a new user puts it there: Tomcat, Jetty, WildFly and ActiveMQ Artemis
 * from Maven Central, on each JDK. Per server and JDK it boots the server without the agent (the
 * reference), attaches Hatchway into that boot with the attach CLI and stops it again, then boots
 * the server with {@code -javaagent} where its docs put JVM options (WildFly also through
 * {@code MODULE_OPTS}) and stops it with a task running. Against those boots it checks what a user
 * sees: the server boots and serves as without the agent, its log gains no warning or error,
 * Hatchway serves a task over its Jolokia and over the server's JMX, Artemis's guard still refuses
 * its read-only user, stop leaves no Hatchway thread, and a task's process ends with its host.
 *
 * <p>Boot times (launch to the server's own started line; medians over {@code -Dhatchway.hosts.boots}
 * boots, the checked one and the rest only timed) are printed and written to
 * {@code target/host-boot-times.txt}, never asserted.
 */
class RealHostsTest {
    private static final Path RUNS = Path.of("target/host-runs");
    private static final ObjectName BROKER = TaskClient.name("org.apache.activemq.artemis:broker=\"" + ArtemisHost.BROKER + "\"");
    private static final ObjectName MEMORY = TaskClient.name("java.lang:type=Memory");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Boots per server, JDK and plain/-javaagent for the boot-time medians: the checked one and the
     * rest timed only. One in a build (the checks need no more); more for figures worth comparing.
     */
    private static final int TIMED_BOOTS = Integer.getInteger("hatchway.hosts.boots", 1);
    private static final List<String> BOOT_TIMES = Collections.synchronizedList(new ArrayList<>());
    private static final List<String> REPORT = Collections.synchronizedList(new ArrayList<>());

    /**
     * Every server on every JDK; {@code -Dhatchway.hosts=tomcat,jetty} narrows a run to those servers,
     * {@code -Dhatchway.jdks=17} to those JDKs.
     */
    static Stream<Arguments> serversOnJdks() {
        List<String> hosts = Arrays.asList(System.getProperty("hatchway.hosts", "tomcat,jetty,wildfly,artemis").split(","));
        List<String> jdks = Arrays.asList(System.getProperty("hatchway.jdks", "17,25").split(","));
        return RealHost.all().stream().filter(host -> hosts.contains(host.kind()))
                .flatMap(host -> Jdk.all().filter(jdk -> jdks.contains(jdk.feature())).map(jdk -> Arguments.of(host, jdk)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("serversOnJdks")
    void bootsAndLogsAsWithoutTheAgentServesHatchwayAndKeepsItsGuards(RealHost host, Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        host.home();
        Path dir = RUNS.resolve((host.displayName() + "-" + jdk.feature()).replace(' ', '-')).toAbsolutePath();
        deleteTree(dir);
        Checks checks = new Checks(host + " on " + jdk);
        long[] bootMillis = {-1, -1, -1};
        List<Long> plainTimes = new ArrayList<>();
        List<Long> agentTimes = new ArrayList<>();
        Running plainServer = null;
        try {
            plainServer = host.start(dir.resolve("plain"), jdk, Mode.PLAIN, null);
            Reference plain = withoutTheAgentThenAttached(host, jdk, plainServer, checks);
            bootMillis[0] = plain.bootMillis();
            // The server without the agent stays up, idle: JNA's cleaner thread outlives a stop by 30 s,
            // which the boots with the agent use instead of a wait.
            bootMillis[1] = withTheAgent(host, jdk, dir.resolve("javaagent"), Mode.JAVAAGENT, plain, checks);
            if (host instanceof WildFlyHost) {
                bootMillis[2] = withTheAgent(host, jdk, dir.resolve("module-opts"), Mode.MODULE_OPTS, plain, checks);
            }
            if (plain.afterStop() != null) {
                checks.check("attach: no thread of Hatchway's or JNA's is left after stop", plain.afterStop());
            }
            stopAndEnd(plainServer);
            plainServer = null;
            plainTimes.add(bootMillis[0]);
            agentTimes.add(bootMillis[1]);
            for (int extra = 1; extra < TIMED_BOOTS && bootMillis[1] >= 0; extra++) { // boots for the medians only
                plainTimes.add(timedBoot(host, jdk, dir.resolve("timed-plain-" + extra), Mode.PLAIN));
                agentTimes.add(timedBoot(host, jdk, dir.resolve("timed-javaagent-" + extra), Mode.JAVAAGENT));
            }
        } finally {
            if (plainServer != null) {
                stopAndEnd(plainServer);
            }
            List<Leftovers.LiveProcess> left = TaskClient.leftoverProcesses();
            left.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
            BOOT_TIMES.add(String.format("| %-20s | %-10s | %14s | %14s | %11s |", host, jdk, median(plainTimes, bootMillis[0]),
                    median(agentTimes, bootMillis[1]), host instanceof WildFlyHost ? ms(bootMillis[2]) : "-"));
            REPORT.add(checks.report() + (left.isEmpty() ? "" : "  task processes left and killed: " + left + "\n"));
        }
        checks.assertAllPassed();
    }

    /**
     * What a boot without the agent is: the reference the boots with it are compared to.
     *
     * @param afterStop the check, once JNA's cleaner had its time, that the stopped Hatchway left no thread; null when it did not attach
     */
    record Reference(long bootMillis, int pageStatus, List<String> log, Executable afterStop) {
    }

    /** Runs the checks on a boot without the agent, then attaches Hatchway, checks it, stops it; the server keeps running. */
    private static Reference withoutTheAgentThenAttached(RealHost host, Jdk jdk, Running server, Checks checks) throws Exception {
        Path dir = server.dir();
        long bootMillis = server.awaitStarted();
        Reference plain = new Reference(bootMillis, pageStatus(server), HostLog.entries(server.log(), host.logLine()), null);
        REPORT.add(host + " on " + jdk + ", without the agent: page " + plain.pageStatus() + ", log " + plain.log().size() + " lines\n");
        if (host instanceof ArtemisHost) {
            artemisGuardChecks(checks, "without Hatchway", server, null, dir);
        }
        long pid = server.boot().pid();
        List<String> threadsBefore = new Jcmd(jdk.home(), pid).threadNames();
        Path state = dir.resolve("hatchway-state");
        String[] url = new String[1];
        Executable afterStop = null;
        boolean attached = checks.check("attach: the attach CLI starts Hatchway", () -> {
            ChildJvm start = ChildJvm.cli(jdk.java(), "start", Long.toString(pid), agentOptions(state));
            assertEquals(0, start.exitStatus(), "attach CLI start: " + start.stdout() + start.stderr());
            url[0] = jolokiaUrl(jdk, server);
        });
        if (attached) {
            checks.check("attach: a task over Hatchway's Jolokia",
                    () -> taskOverJolokia(JolokiaClient.withPasswordFile(url[0], state), dir.resolve("bundle-jolokia")));
            checks.check("attach: Hatchway over the server's JMX", () -> hatchwayOverServerJmx(server, dir.resolve("bundle-jmx")));
            if (host instanceof ArtemisHost) {
                artemisGuardChecks(checks, "attach", server, JolokiaClient.withPasswordFile(url[0], state), dir);
            }
            long[] stoppedAt = {0};
            if (checks.check("attach: the attach CLI stops Hatchway, its threads end", () -> {
                ChildJvm stop = ChildJvm.cli(jdk.java(), "stop", Long.toString(pid));
                stoppedAt[0] = System.nanoTime();
                assertEquals(0, stop.exitStatus(), "attach CLI stop: " + stop.stdout() + stop.stderr());
                assertNoThreadLeft(jdk, pid, t -> t.startsWith("hatchway-"), Duration.ofSeconds(10));
            })) {
                afterStop = () -> assertNoThreadLeft(jdk, pid,
                        t -> t.startsWith("hatchway-") || (t.startsWith("JNA") && !threadsBefore.contains(t)),
                        Duration.ofSeconds(60).minusNanos(System.nanoTime() - stoppedAt[0]));
            }
        }
        checks.check("attach: the server's log gains no warning or error", () -> {
            List<String> after = HostLog.entries(server.log(), host.logLine());
            REPORT.add(host + " on " + jdk + ", attach: log diff " + HostLog.diff(plain.log(), after) + "\n");
            assertEquals(List.of(), HostLog.newWarnings(plain.log(), after), "new warnings/errors in " + where(server));
        });
        return new Reference(plain.bootMillis(), plain.pageStatus(), plain.log(), afterStop);
    }

    /** Boots the server with the agent put in by {@code mode}, runs the checks on it. @return its boot time, -1 if it did not boot */
    private static long withTheAgent(RealHost host, Jdk jdk, Path dir, Mode mode, Reference plain, Checks checks) throws Exception {
        Path state = dir.resolve("hatchway-state");
        String how = mode == Mode.MODULE_OPTS ? "MODULE_OPTS" : "-javaagent";
        Running server = host.start(dir, jdk, mode, "-javaagent:" + ChildJvm.agentJar() + "=" + agentOptions(state));
        try {
            long[] bootMillis = {-1};
            if (!checks.check(how + ": the server boots", () -> bootMillis[0] = server.awaitStarted())) {
                return -1;
            }
            checks.check(how + ": the server serves its page as without the agent",
                    () -> assertEquals(plain.pageStatus(), pageStatus(server), "HTTP status of " + server.pageUrl()));
            String[] url = new String[1];
            boolean serving = checks.check(how + ": Hatchway starts", () -> url[0] = jolokiaUrl(jdk, server));
            checks.check(how + ": the server's log gains no warning or error", () -> {
                List<String> after = HostLog.entries(server.log(), host.logLine());
                REPORT.add(host + " on " + jdk + ", " + how + ": log diff " + HostLog.diff(plain.log(), after)
                        + "; the agent's lines: " + agentLines(server) + "\n");
                assertEquals(List.of(), HostLog.newWarnings(plain.log(), after), "new warnings/errors in " + where(server));
            });
            if (host instanceof WildFlyHost) {
                checks.check(how + ": server.log is written, in WildFly's format", () -> assertWildFlyFormat(server));
            }
            if (!serving) {
                return bootMillis[0];
            }
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(url[0], state);
            checks.check(how + ": a task over Hatchway's Jolokia", () -> taskOverJolokia(jolokia, dir.resolve("bundle-jolokia")));
            checks.check(how + ": Hatchway over the server's JMX", () -> hatchwayOverServerJmx(server, dir.resolve("bundle-jmx")));
            if (host instanceof ArtemisHost) {
                artemisGuardChecks(checks, how, server, jolokia, dir);
            }
            if (mode == Mode.JAVAAGENT) {
                checks.check(how + ": a task's process ends when the server exits", () -> {
                    jolokia.exec(TASK_SERVICE.toString(), "createTask", "outlives", TaskClient.bundle(dir.resolve("bundle-exit"),
                            TaskClient.SLEEP).toString(), "");
                    ProcessHandle task = ProcessHandle.of(jolokia.exec("hatchway:type=Task,name=outlives", "start", "").asLong()).orElseThrow();
                    assertTrue(server.boot().stop(), "the server stops on SIGTERM within " + HostBoot.STOP_TIMEOUT);
                    await("the task's process " + task.pid() + " to end with its server").atMost(Duration.ofSeconds(20)).until(() -> Leftovers.ended(task));
                });
            }
            return bootMillis[0];
        } finally {
            stopAndEnd(server);
        }
    }

    // --- the checks

    /** createTask, start, pids, kill, wait, delete over Hatchway's Jolokia, as the README's recipes do. */
    private static void taskOverJolokia(JolokiaClient jolokia, Path bundleDir) throws Exception {
        String task = "hatchway:type=Task,name=real-host";
        jolokia.exec(TASK_SERVICE.toString(), "createTask", "real-host", TaskClient.bundle(bundleDir, TaskClient.SLEEP).toString(), "");
        int pid = jolokia.exec(task, "start", "").asInt();
        List<Integer> pids = jolokia.exec(task, "pids").findValues("processId").stream().map(JsonNode::asInt).toList();
        assertTrue(pids.contains(pid), "pids() lists the init process " + pid + ": " + pids);
        jolokia.exec(task, "killExec", "", TaskClient.SIGKILL, true);
        jolokia.exec(task, "waitExec", "", TaskClient.WAIT_MILLIS);
        jolokia.exec(task, "deleteExec", "");
        assertFalse(jolokia.read(TASK_SERVICE.toString(), "TaskIds").toString().contains("real-host"), "the task is deleted");
        assertTrue(ProcessHandle.of(pid).map(Leftovers::ended).orElse(true), "the task's process ended");
    }

    /**
     * Hatchway's MBeans in the server's platform MBean server, reached as JConsole reaches them
     * (Attach API, local connector), within a bounded wait. Where the server guards its JMX
     * (Artemis) its admin reads them through its own connector; elsewhere a task runs over it.
     */
    private static void hatchwayOverServerJmx(Running server, Path bundleDir) throws Exception {
        try (JMXConnector local = ChildJvm.connectLocal(server.boot().pid())) {
            MBeanServerConnection jmx = local.getMBeanServerConnection();
            await("hatchway:type=TaskService in the server's MBean server").atMost(WAIT).until(() -> jmx.isRegistered(TASK_SERVICE));
            if (server.host() instanceof ArtemisHost) {
                return; // its guard refuses a caller without credentials: Artemis's admin reads Hatchway in artemisGuardChecks
            }
            TaskClient tasks = new TaskClient(jmx);
            int pid = tasks.startedTask("over-jmx", bundleDir);
            CompositeData[] pids = tasks.pids("over-jmx");
            assertTrue(Arrays.stream(pids).anyMatch(p -> (Integer) p.get("processId") == pid), "pids() lists the init process");
            tasks.killAndDelete("over-jmx");
        }
    }

    /**
     * Artemis's read-only user (role {@code view}) reads the broker but is refused {@code gc},
     * address creation and Hatchway's operations, over Artemis's JMX connector and over the
     * console's Jolokia (with the {@code Origin} its CORS policy accepts): refused, and nothing made.
     *
     * @param hatchway Hatchway's own Jolokia, to see that no task was made; null when Hatchway is not there
     */
    private static void artemisGuardChecks(Checks checks, String when, Running server, JolokiaClient hatchway, Path dir) throws IOException {
        String refused = hatchway == null ? "gc and address creation" : "gc, address creation and Hatchway";
        String bundle = TaskClient.bundle(dir.resolve("bundle-viewer"), TaskClient.SLEEP).toString();
        checks.check(when + ": Artemis's JMX connector refuses its view role " + refused, () -> {
            List<String> allowed = new ArrayList<>();
            try (JMXConnector viewer = artemisJmx(server, ArtemisHost.VIEWER, ArtemisHost.VIEWER_PASSWORD);
                 JMXConnector admin = artemisJmx(server, ArtemisHost.ADMIN, ArtemisHost.ADMIN_PASSWORD)) {
                MBeanServerConnection jmx = viewer.getMBeanServerConnection();
                assumeArtemisJmxWorks(() -> jmx.getAttribute(BROKER, "Version"));
                refusedOverJmx(allowed, "gc", () -> jmx.invoke(MEMORY, "gc", null, null));
                refusedOverJmx(allowed, "createAddress", () -> jmx.invoke(BROKER, "createAddress",
                        new Object[] {"viewer-jmx", "ANYCAST"}, new String[] {String.class.getName(), String.class.getName()}));
                if (hatchway != null) {
                    refusedOverJmx(allowed, "createTask", () -> jmx.invoke(TASK_SERVICE, "createTask",
                            new Object[] {"viewer-jmx", bundle, ""}, new String[] {String.class.getName(), String.class.getName(), String.class.getName()}));
                    assertEquals("process", admin.getMBeanServerConnection().getAttribute(TASK_SERVICE, "Backend"),
                            "Artemis's admin reads Hatchway's TaskService over Artemis's JMX connector");
                }
                assertNothingMade(admin, hatchway, "viewer-jmx");
            }
            assertEquals(List.of(), allowed, "the view role was allowed over Artemis's JMX");
        });
        checks.check(when + ": Artemis's console Jolokia refuses its view role " + refused, () -> {
            List<String> allowed = new ArrayList<>();
            JolokiaClient console = JolokiaClient.withUser(server.extra().get("jolokia"), ArtemisHost.VIEWER, ArtemisHost.VIEWER_PASSWORD)
                    .fromOrigin(server.extra().get("origin"));
            JsonNode version = console.post(JolokiaClient.readRequest(BROKER.toString(), "Version"));
            assumeTrue(!version.path("error").asText().contains("getSubject is not supported"),
                    "Artemis's console fails on this JDK without Hatchway too (" + version.path("error").asText() + "): skipped");
            JolokiaClient.value(version, JolokiaClient.readRequest(BROKER.toString(), "Version")); // the view role reads the broker
            refusedOverJolokia(allowed, "gc", console, JolokiaClient.execRequest(MEMORY.toString(), "gc"));
            refusedOverJolokia(allowed, "createAddress", console,
                    JolokiaClient.execRequest(BROKER.toString(), "createAddress", "viewer-jolokia", "ANYCAST"));
            if (hatchway != null) {
                refusedOverJolokia(allowed, "createTask", console,
                        JolokiaClient.execRequest(TASK_SERVICE.toString(), "createTask", "viewer-jolokia", bundle, ""));
            }
            JolokiaClient admin = JolokiaClient.withUser(server.extra().get("jolokia"), ArtemisHost.ADMIN, ArtemisHost.ADMIN_PASSWORD)
                    .fromOrigin(server.extra().get("origin"));
            String addresses = admin.read(BROKER.toString(), "AddressNames").toString();
            assertFalse(addresses.contains("viewer-jolokia"), "the view role made an address: " + addresses);
            if (hatchway != null) {
                String tasks = hatchway.read(TASK_SERVICE.toString(), "TaskIds").toString();
                assertFalse(tasks.contains("viewer-jolokia"), "the view role made a Hatchway task: " + tasks);
            }
            assertEquals(List.of(), allowed, "the view role was allowed over Artemis's console Jolokia");
        });
    }

    /** No address and no Hatchway task named {@code name} exists: what a refused call must not have made. */
    private static void assertNothingMade(JMXConnector admin, JolokiaClient hatchway, String name) throws Exception {
        List<String> addresses = Arrays.asList((String[]) admin.getMBeanServerConnection().getAttribute(BROKER, "AddressNames"));
        assertFalse(addresses.contains(name), "the view role made an address: " + addresses);
        if (hatchway != null) {
            String tasks = hatchway.read(TASK_SERVICE.toString(), "TaskIds").toString();
            assertFalse(tasks.contains(name), "the view role made a Hatchway task: " + tasks);
        }
    }

    /**
     * Skips, saying why, where Artemis's own JMX connector cannot serve an authenticated call at all:
     * Artemis 2.39 calls {@code Subject.getSubject}, which JDK 24 and later refuse (without Hatchway too).
     */
    private static void assumeArtemisJmxWorks(JmxCall call) throws Exception {
        try {
            call.call();
        } catch (UnsupportedOperationException e) {
            assumeTrue(!String.valueOf(e.getMessage()).contains("getSubject"),
                    "Artemis's JMX connector fails on this JDK without Hatchway too (" + e.getMessage() + "): skipped");
            throw e;
        }
    }

    interface JmxCall {
        Object call() throws Exception;
    }

    private static void refusedOverJmx(List<String> allowed, String what, JmxCall call) {
        try {
            call.call();
            allowed.add(what);
        } catch (Exception e) {
            boolean refused = false;
            for (Throwable t = e; t != null; t = t.getCause()) {
                refused |= t instanceof SecurityException || t instanceof InstanceNotFoundException;
            }
            if (!refused) {
                allowed.add(what + " (failed otherwise: " + e + ")");
            }
        }
    }

    private static void refusedOverJolokia(List<String> allowed, String what, JolokiaClient console, JsonNode request) throws Exception {
        HttpResponse<String> response = console.send(JolokiaClient.JSON.writeValueAsString(request));
        if (response.statusCode() == 200 && JolokiaClient.JSON.readTree(response.body()).path("status").asInt() == 200) {
            allowed.add(what);
        }
    }

    private static JMXConnector artemisJmx(Running server, String user, String password) throws IOException {
        return JMXConnectorFactory.connect(new JMXServiceURL(server.extra().get("jmx")),
                Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    /**
     * No thread whose name is {@code ours} is left in JVM {@code pid} within {@code bound} from now
     * (JNA's cleaner thread ends 30 s after its last work, so a check for it waits until 60 s after the stop).
     */
    private static void assertNoThreadLeft(Jdk jdk, long pid, Predicate<String> ours, Duration bound) {
        AtomicReference<List<String>> left = new AtomicReference<>(List.of());
        try {
            Duration atMost = bound.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : bound;
            await("the stopped Hatchway's threads to end").atMost(atMost).pollInterval(Duration.ofSeconds(1)).until(() -> {
                left.set(new Jcmd(jdk.home(), pid).threadNames().stream().filter(ours).toList());
                return left.get().isEmpty();
            });
        } catch (ConditionTimeoutException e) {
            fail("threads left after stop: " + left.get());
        }
    }

    /** Every line of server.log is in WildFly's format (or continues a stack trace), and it has lines. */
    private static void assertWildFlyFormat(Running server) throws IOException {
        assertTrue(Files.isRegularFile(server.logFile()), "server.log exists: " + server.logFile());
        List<String> lines = Files.readAllLines(server.logFile());
        assertFalse(lines.isEmpty(), "server.log has lines");
        List<String> foreign = lines.stream().filter(l -> !server.host().logLine().matcher(l).find())
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)) && !l.startsWith("Caused by:")).toList();
        assertEquals(List.of(), foreign, "lines of server.log not in WildFly's format");
    }

    // --- helpers

    /** Hatchway's Jolokia URL, read from the server JVM's system properties once the agent serves (bounded). */
    private static String jolokiaUrl(Jdk jdk, Running server) {
        long pid = server.boot().pid();
        return await("Hatchway to serve in " + pid).atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                .failFast("Hatchway did not start: " + notStarted(server), () -> !notStarted(server).isEmpty())
                .until(() -> new Jcmd(jdk.home(), pid).systemProperty("hatchway.jolokia.url"), Optional::isPresent).orElseThrow();
    }

    /** The agent's {@code [hatchway]} lines, each as it reached the console or the log file. */
    private static List<String> agentLines(Running server) {
        List<String> lines = new ArrayList<>();
        server.boot().console().stream().filter(l -> l.contains("[hatchway]")).forEach(l -> lines.add("console: " + l));
        if (server.logFile() != null) {
            server.log().stream().filter(l -> l.contains("[hatchway]")).forEach(l -> lines.add(server.logFile().getFileName() + ": " + l));
        }
        return lines;
    }

    /** The agent's lines saying it did not start, wherever the server put its stderr. */
    private static List<String> notStarted(Running server) {
        return Stream.concat(server.boot().console().stream(), server.logFile() == null ? Stream.empty() : server.log().stream())
                .filter(l -> l.contains("[hatchway]") && l.contains("not started")).toList();
    }

    private static String agentOptions(Path stateDir) {
        return "backend=process,port=0,stateDir=" + stateDir;
    }

    private static int pageStatus(Running server) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.pageUrl())).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String where(Running server) {
        return server.logFile() == null ? server.dir().resolve("console.log").toString() : server.logFile().toString();
    }

    /** Stops the server (SIGTERM, bounded) and ends whatever of its process tree is left. */
    private static void stopAndEnd(Running server) throws InterruptedException {
        server.boot().stop();
        List<String> killed = server.boot().killTree();
        if (!killed.isEmpty()) {
            REPORT.add("  killed after stop (" + server.dir() + "): " + killed + "\n");
        }
    }

    /**
     * One more boot, only for the boot-time medians: launch to the started line, then (with the
     * agent) until Hatchway serves, and stop. @return its boot time, -1 if it did not boot
     */
    private static long timedBoot(RealHost host, Jdk jdk, Path dir, Mode mode) throws Exception {
        Path state = dir.resolve("hatchway-state");
        Running server = host.start(dir, jdk, mode, mode == Mode.PLAIN ? null : "-javaagent:" + ChildJvm.agentJar() + "=" + agentOptions(state));
        try {
            long millis = server.awaitStarted();
            if (mode != Mode.PLAIN) {
                jolokiaUrl(jdk, server);
            }
            return millis;
        } catch (AssertionError | RuntimeException e) {
            return -1;
        } finally {
            stopAndEnd(server);
        }
    }

    /** {@code median (n boots)} of the boots that booted, or what the one checked boot gave. */
    private static String median(List<Long> times, long checkedBoot) {
        List<Long> booted = times.stream().filter(t -> t >= 0).sorted().toList();
        if (booted.size() < 2) {
            return ms(checkedBoot);
        }
        return booted.get(booted.size() / 2) + " ms (" + booted.size() + ")";
    }

    private static String ms(long millis) {
        return millis < 0 ? "no boot" : millis + " ms";
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    @AfterAll
    static void printBootTimes() throws IOException {
        List<String> out = new ArrayList<>();
        out.add("Boot time, launch to the server's own started line: median (boots), MODULE_OPTS one boot:");
        out.add(String.format("| %-20s | %-10s | %14s | %14s | %11s |", "server", "JDK", "plain", "-javaagent", "MODULE_OPTS"));
        out.add("|----------------------|------------|----------------|----------------|-------------|");
        out.addAll(BOOT_TIMES);
        out.add("");
        out.addAll(REPORT);
        String text = String.join("\n", out);
        System.out.println(text);
        Path file = Path.of(System.getProperty("hatchway.hosts.report", "target/host-boot-times.txt"));
        Files.createDirectories(file.getParent());
        Files.writeString(file, text + "\n");
    }
}
