package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent never breaks its host: bad options, a taken port, a stateDir it cannot use are each
 * reported in one line, and the host runs its main and exits normally.
 */
class HostSafetyTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "backend=nope    | backend 'nope'",
        "port=abc,,x     | option ''",
        "port=abc        | port=abc",
        "port=70000      | port=70000",
        "jolokia=maybe   | jolokia=maybe",
        "auth=maybe      | auth=maybe",
        "protocol=gopher | protocol=gopher",
        "stateDir        | option 'stateDir'",
        "=x              | option '=x'"})
    void aHostWithMalformedOptionsRunsItsMainAndExitsNormally(String options, String named) throws Exception {
        String line = hostRunsOnWithOneAgentLine(options + ",stateDir=" + dir.resolve("state"));
        assertTrue(line.contains(named), "the line names the bad option (" + named + "): " + line);
    }

    @Test
    void aTakenPortIsNamedInOneLineAndTheHostRunsOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String line = hostRunsOnWithOneAgentLine("backend=process,port=" + taken.getLocalPort()
                    + ",stateDir=" + dir.resolve("state"));
            assertTrue(line.contains("127.0.0.1:" + taken.getLocalPort()) && line.contains("in use"),
                    "the line names the taken address: " + line);
        }
    }

    @Test
    void aStateDirThatIsAFileIsNamedInOneLineAndTheHostRunsOn() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        String line = hostRunsOnWithOneAgentLine("backend=process,port=0,stateDir=" + file);
        assertTrue(line.contains("stateDir " + file) && line.contains("not a directory"), line);
    }

    @Test
    void aStateDirBelowAFileIsNamedInOneLineAndTheHostRunsOn() throws Exception {
        Path below = Files.writeString(dir.resolve("a-file"), "not a directory").resolve("state");
        String line = hostRunsOnWithOneAgentLine("backend=process,port=0,stateDir=" + below);
        assertTrue(line.contains("stateDir " + below) && line.contains("Not a directory"), line);
    }

    @Test
    void anUnreadablePasswordFileIsNamedInOneLineAndTheHostRunsOn() throws Exception {
        Path stateDir = dir.resolve("state");
        Path password = Files.createDirectories(stateDir.resolve(JolokiaClient.PASSWORD_FILE)); // unreadable as a file, even by root
        String line = hostRunsOnWithOneAgentLine("backend=process,port=0,stateDir=" + stateDir);
        assertTrue(line.contains(password.toString()), "the line names the password file: " + line);
    }

    @Test
    void anUnwritableStateDirIsNamedInOneLineAndTheHostRunsOn() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")),
                "root may write into a directory of mode 0500: this case needs an ordinary user, skipped");
        Path stateDir = Files.createDirectories(dir.resolve("state"));
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("r-x------"));
        try {
            String line = hostRunsOnWithOneAgentLine("backend=process,port=0,stateDir=" + stateDir);
            assertTrue(line.contains("stateDir " + stateDir) && line.contains("not writable"), line);
        } finally {
            Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    static Stream<Jdk> jdks() {
        return Jdk.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHostThatInstallsItsLogManagerLateInItsMainGetsIt(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        try (ChildJvm jvm = ChildJvm.launch(jdk.java(), List.of(
                "-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + dir.resolve("state"),
                "-cp", ChildJvm.hostClassPath(), LateLogManagerHostMain.class.getName()))) {
            assertEquals(0, jvm.awaitExit());
            assertTrue(jvm.agentLines().get(0).startsWith("[hatchway] started"), "the agent started first: " + jvm.stderr());
            assertEquals(List.of(LateLogManagerHostMain.SERVERS + 0,
                    LateLogManagerHostMain.GOT + LateLogManagerHostMain.HostLogManager.class.getName()),
                    jvm.stdout(), "no MBean server was made before the host's own, and it gets the LogManager it installs");
        }
    }

    /**
     * Starts a host whose agent must refuse to start: the host runs its main and exits 0, the agent
     * says so in exactly one {@code [hatchway] ERROR not started: ...} line and no stack trace, and
     * serves nothing. @return that line
     */
    private static String hostRunsOnWithOneAgentLine(String options) throws Exception {
        try (ChildJvm jvm = ChildJvm.startHost(options)) {
            jvm.awaitStderr(line -> line.startsWith(ChildJvm.AGENT_PREFIX));
            assertEquals(Set.of(), new TaskClient(jvm.connect()).hatchwayMBeans(), "the agent did not start");

            assertEquals(0, jvm.stop(), "the host exits normally");
            assertTrue(jvm.stdout().contains(HostMain.DONE), "the host's main ran to its end");
            List<String> agentLines = jvm.agentLines();
            assertEquals(1, agentLines.size(), "one line from the agent: " + agentLines);
            assertTrue(agentLines.get(0).startsWith("[hatchway] ERROR not started: "), agentLines.get(0));
            jvm.assertNoStackTrace();
            return agentLines.get(0);
        }
    }

    @Test
    void unknownOptionsAreNamedInOneLineAndIgnored() throws Exception {
        try (ChildJvm jvm = ChildJvm.startHost("backend=process,colour=blue,stateDir=" + dir.resolve("state")
                + ",flavour=mint")) {
            TaskClient client = new TaskClient(jvm.jmx());
            assertEquals("process", client.attribute(ChildJvm.TASK_SERVICE, "Backend"), "the agent started");

            assertEquals(0, jvm.stop());
            List<String> unknown = jvm.agentLines().stream().filter(l -> l.contains("unknown")).toList();
            assertEquals(1, unknown.size(), "one line names the unknown options: " + jvm.agentLines());
            assertTrue(unknown.get(0).contains("colour") && unknown.get(0).contains("flavour"), unknown.get(0));
            jvm.assertNoStackTrace();
        }
    }

    @Test
    void theAttachCliWithoutATargetSaysHowToUseItAndExitsOne() throws Exception {
        for (String verb : List.of("start", "stop", "status")) {
            try (ChildJvm cli = ChildJvm.launch(List.of("-jar", ChildJvm.agentJar().toString(), verb))) {
                assertEquals(1, cli.awaitExit(), verb);
                assertEquals(1, cli.stderr().size(), "one clear line: " + cli.stderr());
                assertTrue(cli.stderr().get(0).contains("usage") && cli.stderr().get(0).contains(verb),
                        cli.stderr().get(0));
                cli.assertNoStackTrace();
            }
        }
    }

}
