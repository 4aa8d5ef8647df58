package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What Hatchway leaves to its host: the platform MBean server (made by the host, its builder, or
 * the JDK's management agent when JConsole attaches; Hatchway's MBeans join it only then, and
 * Jolokia's never do), the host's {@code System.err}, and wherever the host keeps the agent jar.
 */
class HostUntouchedTest {
    private static final String TASK_SERVICE = "hatchway:type=TaskService";
    /** The project's version, as the build passes it. */
    private static final String VERSION = System.getProperty("hatchway.version");

    @TempDir
    Path dir;

    static Stream<Jdk> jdks() {
        return Jdk.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aPlainMainServesJolokiaAtOnceAndShowsHatchwayOverJmxOnceTheManagementAgentStarts(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        Path state = dir.resolve("state");
        try (ChildJvm jvm = ChildJvm.startHost(jdk.java(), "backend=process,port=0,stateDir=" + state)) {
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(jvm.jolokiaUrl(), state);
            assertEquals(VERSION, jolokia.read(TASK_SERVICE, "Version").asText(), "Version is the project's");
            jolokia.exec(TASK_SERVICE, "createTask", "before", TaskClient.bundle(dir.resolve("b1"), "true").toString(), "");

            // JConsole's way in: the Attach API starts the management agent, which makes the platform server
            MBeanServerConnection jmx = jvm.jmx();
            TaskClient client = new TaskClient(jmx);
            assertEquals(mbeansOf("before"), client.hatchwayMBeans(), "what was registered before is there");
            assertEquals(Set.of(), TaskClient.canonical(jmx.queryNames(TaskClient.name("jolokia:*"), null)),
                    "no Jolokia MBean in the platform server");
            assertEquals(VERSION, client.attribute(ChildJvm.TASK_SERVICE, "Version"));
            RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(jmx, ManagementFactory.RUNTIME_MXBEAN_NAME,
                    RuntimeMXBean.class);
            assertEquals(VERSION, runtime.getSystemProperties().get("hatchway.agent"), "the hatchway.agent property");

            jolokia.exec(TASK_SERVICE, "createTask", "after", TaskClient.bundle(dir.resolve("b2"), "true").toString(), "");
            assertEquals(mbeansOf("after", "before"), client.hatchwayMBeans(), "a new task is in both servers at once");
            jolokia.exec("hatchway:type=Task,name=before", "deleteExec", "");
            client.deleteExec("after", "");
            assertEquals(Set.of(TaskClient.name(TASK_SERVICE).getCanonicalName()), client.hatchwayMBeans(),
                    "deleted tasks leave both servers");
            assertEquals(0, jolokia.read(TASK_SERVICE, "TaskIds").size());

            assertEquals(0, jvm.stop());
            jvm.assertNoStackTrace();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHostThatChoosesItsMBeanServerBuilderLateGetsItsServerAndHatchwayJoinsIt(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        Path state = dir.resolve("state");
        try (ChildJvm jvm = ChildJvm.start(jdk.java(), List.of(
                "-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + state,
                "-cp", ChildJvm.hostClassPath(), LateBuilderHostMain.class.getName()), HostMain.RUNNING)) {
            assertEquals(List.of(LateBuilderHostMain.GOT + LateBuilderHostMain.DOMAIN, LateBuilderHostMain.HATCHWAY + true,
                    HostMain.RUNNING), jvm.stdout(), "the host's builder made the platform server; Hatchway joined it");
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(jvm.jolokiaUrl(), state);
            assertEquals("process", jolokia.read(TASK_SERVICE, "Backend").asText(), "Hatchway's Jolokia serves on");
            assertEquals(0, jvm.stop());
            jvm.assertNoStackTrace();
        }
    }

    @Test
    void anAgentJarInADirectoryWithASpaceAPercentAndNonAsciiLettersStarts() throws Exception {
        assumeTrue(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode("ü"),
                "file names here cannot hold non-ASCII letters (sun.jnu.encoding): skipped");
        Path jar = Files.copy(ChildJvm.agentJar(),
                Files.createDirectories(dir.resolve("a b %41 ü")).resolve("hatchway-agent.jar"));
        Path state = dir.resolve("state");
        try (ChildJvm jvm = ChildJvm.start(ChildJvm.defaultJava(), List.of(
                "-javaagent:" + jar + "=backend=process,port=0,stateDir=" + state,
                "-cp", ChildJvm.hostClassPath(), HostMain.class.getName()), HostMain.RUNNING)) {
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(jvm.jolokiaUrl(), state);
            assertEquals("process", jolokia.read(TASK_SERVICE, "Backend").asText());
            assertEquals(0, jvm.stop());
            assertEquals(1, jvm.agentLines().size(), "one line, the start: " + jvm.agentLines());
        }
    }

    @Test
    void theAgentsLinesGoToTheProcessStderrNotToTheHostsSystemErr() throws Exception {
        Path java = ChildJvm.defaultJava();
        try (ChildJvm host = ChildJvm.start(java, List.of("-cp", ChildJvm.hostClassPath(),
                RedirectingHostMain.class.getName()), HostMain.RUNNING)) {
            String pid = Long.toString(host.pid());
            ChildJvm start = ChildJvm.cli(java, "start", pid, "backend=process,port=0,stateDir=" + dir.resolve("state"));
            assertEquals(0, start.exitStatus(), "start: " + start.stderr());
            host.awaitStderr(line -> line.startsWith(ChildJvm.AGENT_PREFIX + " started:"));
            assertEquals(0, ChildJvm.cli(java, "stop", pid).exitStatus());
            host.awaitStderr(line -> line.startsWith(ChildJvm.AGENT_PREFIX + " stopped"));

            assertEquals(0, host.stop());
            assertEquals(2, host.agentLines().size(), "started, stopped: " + host.agentLines());
            assertTrue(host.stdout().stream().noneMatch(line -> line.contains(ChildJvm.AGENT_PREFIX)),
                    "nothing of Hatchway's went through the host's System.err: " + host.stdout());
        }
    }

    /** The canonical names of the service's and these tasks' MBeans (each task with its init exec). */
    private static Set<String> mbeansOf(String... taskIds) {
        Set<String> names = new java.util.TreeSet<>(Set.of(TaskClient.name(TASK_SERVICE).getCanonicalName()));
        for (String id : taskIds) {
            names.add(TaskClient.task(id).getCanonicalName());
            names.add(TaskClient.exec(id, id).getCanonicalName());
        }
        return names;
    }
}
