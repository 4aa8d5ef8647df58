package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JNA logs through {@code java.util.logging}; inside Hatchway those lines go to Hatchway's own log
 * and never reach the host's: a host with its own LogManager that lets Hatchway run a process task
 * (JNA's first use) finds no JNA logger among its own, and JNA did not create its LogManager.
 */
class JnaLoggersTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void jnaLogsToHatchwaysLogAndNeverIntoTheHostsLogManager(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        Path stateDir = dir.resolve("state");
        try (ChildJvm host = ChildJvm.start(jdk.java(), List.of(
                "-Djava.util.logging.manager=" + JulHostMain.RecordingLogManager.class.getName(),
                "-Dhatchway.debug=true", // JNA logs only at debug level as it loads
                "-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + stateDir,
                "-cp", ChildJvm.hostClassPath(), JulHostMain.class.getName()), JulHostMain.RUNNING)) {
            StopLeavesNothingTest.runATask(JolokiaClient.withPasswordFile(host.jolokiaUrl(), stateDir), dir.resolve("bundle"));

            host.sendLine(JulHostMain.REPORT);
            String createdBy = host.awaitStdoutStartingWith(JulHostMain.CREATED_BY).substring(JulHostMain.CREATED_BY.length());
            String loggers = host.awaitStdoutStartingWith(JulHostMain.LOGGERS).substring(JulHostMain.LOGGERS.length());
            assertFalse(loggers.contains("com.sun.jna"), "no JNA logger in the host's LogManager: " + loggers);
            assertFalse(createdBy.contains("com.sun.jna") || createdBy.contains("io.hatchway.agent.logging"),
                    "JNA did not create the host's LogManager: " + createdBy);
            String log = Files.readString(stateDir.resolve("hatchway.log"));
            assertTrue(log.lines().anyMatch(l -> l.contains(" DEBUG ") && l.contains(" com.sun.jna.")),
                    "JNA's own lines are in Hatchway's log:\n" + log);

            assertEquals(0, host.stop());
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }
}
