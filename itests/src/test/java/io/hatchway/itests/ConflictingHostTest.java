package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.WAIT_MILLIS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent is invisible to a host that carries other versions of its dependencies (Jackson 2.13,
 * slf4j 1.7 with logback 1.2 and its own logback.xml, JNA 5.8), on every installed JDK: the host runs, sees only its own
 * versions and none of Hatchway's classes, and prints and logs byte for byte what it does without
 * the agent — while the agent, busy in the same JVM with its own Jackson, JNA and slf4j, serves its
 * MBeans over Jolokia and logs to its own file.
 */
class ConflictingHostTest {
    private static final int SIGTERM = 15;

    @TempDir
    Path dir;

    /** What one run of the host left: its output, its log file, its exit status. */
    private record Run(List<String> stdout, List<String> stderr, byte[] logFile, int exitStatus) {
        List<String> stderrWithoutAgentLines() {
            return stderr.stream().filter(l -> !l.startsWith(ChildJvm.AGENT_PREFIX)).toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void aHostWithConflictingLibrariesRunsAndLogsExactlyAsWithoutTheAgent(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        Path java = jdk.java();
        Run without = run(java, dir.resolve("without"), false);
        Run with = run(java, dir.resolve("with"), true);

        assertEquals(0, without.exitStatus(), "the host exits 0 on its own: " + without);
        assertEquals(0, with.exitStatus(), "the host exits 0 with the agent");
        for (String phase : List.of("start", "end")) {
            assertTrue(with.stdout().contains(phase + ": jackson-databind 2.13.5 from jackson-databind-2.13.5.jar"),
                    "the host sees its own Jackson: " + with.stdout());
            assertTrue(with.stdout().contains(phase + ": slf4j-api 1.7.36 from slf4j-api-1.7.36.jar, bound to "
                    + "ch.qos.logback.classic.LoggerContext from logback-classic-1.2.13.jar"),
                    "the host sees its own slf4j, bound to its own logback: " + with.stdout());
            assertTrue(with.stdout().contains(phase + ": jna 5.8.0 (b0) from jna-5.8.0.jar, libc getpid() is this JVM's pid: true"),
                    "the host's own JNA works: " + with.stdout());
            for (String name : ConflictingHostMain.AGENT_CLASSES) {
                assertTrue(with.stdout().contains(phase + ": " + name + " visible to the host: false"),
                        name + " must be invisible to the host: " + with.stdout());
            }
        }
        assertTrue(with.stdout().contains("HOST-LOG WARN  [main] ConflictingHostMain - end: a warning with a placeholder and a 42"),
                "the host logs with its own pattern: " + with.stdout());

        assertEquals(without.stdout(), with.stdout(), "the host prints and logs to stdout exactly as without the agent");
        assertEquals(without.stderrWithoutAgentLines(), with.stderrWithoutAgentLines(),
                "the host's stderr is its own, apart from the agent's [hatchway] lines");
        assertTrue(without.logFile().length > 0, "the host's log file was written");
        assertArrayEquals(without.logFile(), with.logFile(), "the host's log file is byte for byte the same:\n"
                + new String(without.logFile(), StandardCharsets.UTF_8) + "---\n" + new String(with.logFile(), StandardCharsets.UTF_8));
        for (String line : new String(with.logFile(), StandardCharsets.UTF_8).split("\n")) {
            assertTrue(line.contains("|" + ConflictingHostMain.class.getName() + "|"),
                    "none of the agent's lines go through the host's logback: " + line);
        }
    }

    private Run run(Path java, Path runDir, boolean withAgent) throws Exception {
        Path stateDir = runDir.resolve("state");
        Path logFile = runDir.resolve("host.log");
        List<String> arguments = new ArrayList<>();
        if (withAgent) {
            arguments.add("-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + stateDir);
        }
        arguments.addAll(List.of("-Dhost.log.file=" + logFile, "-cp", conflictingClassPath(),
                ConflictingHostMain.class.getName()));
        try (ChildJvm host = ChildJvm.start(java, arguments, ConflictingHostMain.RUNNING)) {
            if (withAgent) {
                agentServes(JolokiaClient.withPasswordFile(host.jolokiaUrl(), stateDir), runDir.resolve("bundle"));
                String agentLog = Files.readString(stateDir.resolve("hatchway.log"));
                assertTrue(agentLog.contains("started"), "the agent logs to its own file: " + agentLog);
            }
            int exitStatus = host.stop();
            assertTrue(host.stdout().contains(ConflictingHostMain.DONE), "the host's main ran to its end");
            return new Run(host.stdout(), host.stderr(), Files.readAllBytes(logFile), exitStatus);
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    /** The agent's MBeans serve over Jolokia and drive a task: its Jackson reads the bundle, its JNA signals. */
    private static void agentServes(JolokiaClient jolokia, Path bundleDir) throws Exception {
        String taskService = "hatchway:type=TaskService";
        String task = "hatchway:type=Task,name=t1";
        assertEquals("process", jolokia.read(taskService, "Backend").asText());
        jolokia.exec(taskService, "createTask", "t1", TaskClient.bundle(bundleDir, SLEEP).toString(), "");
        assertTrue(jolokia.exec(task, "start", "").asInt() > 0);
        assertTrue(jolokia.exec(task, "stats").get("container").get("pidsCurrent").asInt() > 0);
        jolokia.exec(task, "killExec", "", SIGTERM, true); // a signal Process cannot send: the agent's JNA
        assertEquals(128 + SIGTERM, jolokia.exec(task, "waitExec", "", WAIT_MILLIS).get("exitStatus").asLong());
        jolokia.exec(task, "deleteExec", "");
        assertEquals(0, jolokia.read(taskService, "TaskIds").size());
    }

    /** Its logback.xml, the old libraries, then its own classes; nothing of the tests' class path. */
    private static String conflictingClassPath() throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(Path.of(ChildJvm.hostClassPath(), "conflicting-host").toString());
        Path libs = Path.of(System.getProperty("hatchway.host.libs", "target/host-libs"));
        List<String> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(libs, "*.jar")) {
            stream.forEach(jar -> jars.add(jar.toString()));
        }
        assertEquals(7, jars.size(), "the old Jackson (3), slf4j, logback (2) and JNA jars in " + libs + ": " + jars);
        jars.sort(null);
        entries.addAll(jars);
        entries.add(ChildJvm.hostClassPath());
        return String.join(java.io.File.pathSeparator, entries);
    }
}
