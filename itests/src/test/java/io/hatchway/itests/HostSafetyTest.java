package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The agent never breaks its host: bad options are reported in one line and the host runs on. */
class HostSafetyTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"backend=nope", "port=abc,,x", "port=abc", "jolokia=maybe", "stateDir"})
    void aHostWithMalformedOptionsRunsItsMainAndExitsNormally(String options) throws Exception {
        try (ChildJvm jvm = ChildJvm.startHost(options + ",stateDir=" + dir.resolve("state"))) {
            jvm.awaitStderr(line -> line.startsWith("[hatchway]"));
            assertEquals(Set.of(), new TaskClient(jvm.connect()).hatchwayMBeans(), "the agent did not start");

            assertEquals(0, jvm.stop(), "the host exits normally");
            assertTrue(jvm.stdout().contains(HostMain.DONE), "the host's main ran to its end");
            List<String> agentLines = agentLines(jvm);
            assertEquals(1, agentLines.size(), "one line from the agent: " + agentLines);
            assertTrue(agentLines.get(0).contains("not started"), agentLines.get(0));
            assertNoStackTrace(jvm);
        }
    }

    @Test
    void unknownOptionsAreNamedInOneLineAndIgnored() throws Exception {
        try (ChildJvm jvm = ChildJvm.startHost("backend=process,colour=blue,stateDir=" + dir.resolve("state")
                + ",flavour=mint")) {
            TaskClient client = new TaskClient(jvm.jmx());
            assertEquals("process", client.attribute(ChildJvm.TASK_SERVICE, "Backend"), "the agent started");

            assertEquals(0, jvm.stop());
            List<String> unknown = agentLines(jvm).stream().filter(l -> l.contains("unknown")).toList();
            assertEquals(1, unknown.size(), "one line names the unknown options: " + agentLines(jvm));
            assertTrue(unknown.get(0).contains("colour") && unknown.get(0).contains("flavour"), unknown.get(0));
            assertNoStackTrace(jvm);
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
                assertNoStackTrace(cli);
            }
        }
    }

    private static List<String> agentLines(ChildJvm jvm) {
        return jvm.stderr().stream().filter(l -> l.startsWith("[hatchway]")).toList();
    }

    private static void assertNoStackTrace(ChildJvm jvm) {
        for (String line : jvm.stderr()) {
            assertTrue(!line.startsWith("\tat ") && !line.startsWith("Exception in thread"),
                    "no stack trace on the host's stderr: " + jvm.stderr());
        }
    }
}
