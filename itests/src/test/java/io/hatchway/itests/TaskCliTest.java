package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SLEEP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task verbs of {@code java -jar hatchway-agent.jar <verb> <target> ...} as an operator runs
 * them against a live agent, addressed by its JVM's pid and by its Jolokia URL: what they print,
 * their exit status, and one clear line for bad input.
 */
class TaskCliTest {
    @TempDir
    static Path dir;
    private static ChildJvm host;
    private static String pid;
    private static Path java;
    private static JolokiaClient jolokia;

    @BeforeAll
    static void startHostWithTask() throws Exception {
        java = ChildJvm.defaultJava();
        Path stateDir = dir.resolve("state");
        host = ChildJvm.startHost(stateDir);
        pid = Long.toString(host.pid());
        jolokia = JolokiaClient.withPasswordFile(host.jolokiaUrl(), stateDir);
        jolokia.exec("hatchway:type=TaskService", "createTask", "t1",
                TaskClient.bundle(dir.resolve("bundle"), SLEEP).toString(), "");
        jolokia.exec("hatchway:type=Task,name=t1", "start", "");
    }

    @AfterAll
    static void stopHost() throws Exception {
        if (host != null) {
            jolokia.exec("hatchway:type=Task,name=t1", "killExec", "", 9, true);
            jolokia.exec("hatchway:type=Task,name=t1", "waitExec", "", 10_000);
            jolokia.exec("hatchway:type=Task,name=t1", "deleteExec", "");
            host.close();
        }
        TaskClient.assertNoProcessLeft();
    }

    private static ChildJvm cli(String... arguments) throws Exception {
        return ChildJvm.cli(java, arguments);
    }

    @Test
    void tasksAndPsShowTheTaskAsTablesAndJson() throws Exception {
        ChildJvm tasks = cli("tasks", pid);
        assertEquals(0, tasks.exitStatus(), tasks.stderr()::toString);
        assertTrue(tasks.stdout().get(0).matches("TASK +PID +STATUS +EXECS"), tasks.stdout()::toString);
        String initPid = jolokia.read("hatchway:type=Task,name=t1", "Pid").asText();
        assertTrue(tasks.stdout().get(1).matches("t1 +" + initPid + " +running"), tasks.stdout()::toString);

        ChildJvm json = cli("tasks", pid, "--json");
        JsonNode rows = JolokiaClient.JSON.readTree(String.join("\n", json.stdout()));
        assertEquals("t1", rows.get(0).get("id").asText());
        assertEquals("running", rows.get(0).get("status").asText());

        ChildJvm ps = cli("ps", pid, "t1");
        assertEquals(0, ps.exitStatus(), ps.stderr()::toString);
        assertTrue(ps.stdout().stream().anyMatch(line -> line.matches(initPid + " +t1 +\\S+ .*")),
                "the init process, its exec id and image: " + ps.stdout());
    }

    @Test
    void execPrintsTheOutputAndExitsWithTheExecsStatusLeavingNoExec() throws Exception {
        ChildJvm exec = cli("exec", pid, "t1", "--id", "e1", "--env", "PATH=/usr/bin:/bin", "--env", TaskClient.MARKER,
                "--", "sh", "-c", "echo \"out $0\"; echo err >&2; exit 7", "quoted \"word\"");
        assertEquals(7, exec.exitStatus(), "the exec's own exit status");
        assertEquals(List.of("out quoted \"word\""), exec.stdout(), "arguments reach the process as given");
        assertEquals(List.of("err"), exec.stderr());
        assertEquals(0, jolokia.read("hatchway:type=Task,name=t1", "ExecIds").size(), "the exec is deleted");

        ChildJvm json = cli("exec", pid, "t1", "--json", "--env", TaskClient.MARKER, "--", "/bin/echo", "hi");
        assertEquals(0, json.exitStatus(), json.stderr()::toString);
        JsonNode result = JolokiaClient.JSON.readTree(json.stdout().get(0));
        assertEquals("hi\n", result.get("stdout").asText());
        assertEquals(0, result.get("exitStatus").asInt());
    }

    @Test
    void execOnATerminalIsInteractiveFollowsTheTerminalsSizeAndExitsWithTheExecsStatus() throws Exception {
        Path script = Path.of("/usr/bin/script");
        Assumptions.assumeTrue(Files.isExecutable(script), "a local terminal for the CLI needs util-linux's script");
        Path resize = dir.resolve("resize-now");
        String cli = String.join(" ", java.toString(), "-jar", ChildJvm.agentJar().toString(), "exec", pid, "t1", "-t",
                "--id", "tty", "--env", "PATH=/usr/bin:/bin", "--env", TaskClient.MARKER, "--", "sh");
        // script gives the CLI a terminal of 77x21; a background job resizes it to 100x30 when told.
        String session = "stty cols 77 rows 21; before=$(stty -g); (while [ ! -e " + resize + " ]; do sleep 0.1; done;"
                + " stty cols 100 rows 30 < /dev/tty) & " + cli + "; echo EXIT=$?;"
                + " [ \"$(stty -g)\" = \"$before\" ] && echo RESTORED";
        Process terminal = new ProcessBuilder(script.toString(), "-qec", session, "/dev/null")
                .redirectErrorStream(true).start();
        StringBuffer seen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var output = terminal.getInputStream()) {
                byte[] buffer = new byte[4096];
                for (int n; (n = output.read(buffer)) > 0; ) {
                    seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) { // ended
            }
        });
        reader.start();
        try (var typing = terminal.getOutputStream()) {
            awaitSeen(seen, "# ");
            typing.write("tty; stty size\n".getBytes());
            typing.flush();
            awaitSeen(seen, "21 77\r\n");
            assertTrue(seen.toString().contains("/dev/pts/"), "the exec's stdin is a terminal: " + seen);

            Files.createFile(resize);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(700)).until(() -> {
                typing.write("stty size\n".getBytes());
                typing.flush();
                return seen.toString().contains("30 100\r\n");
            });
            typing.write("exit 4\n".getBytes());
            typing.flush();
            awaitSeen(seen, "RESTORED");
        } finally {
            terminal.destroy();
            reader.join(10_000);
        }
        assertTrue(seen.toString().contains("EXIT=4"), "the CLI's status is the exec's: " + seen);
        assertEquals(0, jolokia.read("hatchway:type=Task,name=t1", "ExecIds").size(), "the exec is deleted");
    }

    private static void awaitSeen(StringBuffer seen, String text) {
        Awaitility.await(text).atMost(Duration.ofSeconds(60)).until(() -> seen.toString().contains(text));
    }

    @Test
    void logsStatsAndStacksOfTheTask() throws Exception {
        ChildJvm stats = cli("stats", pid, "t1");
        assertEquals(0, stats.exitStatus(), stats.stderr()::toString);
        assertTrue(stats.stdout().stream().anyMatch(line -> line.matches("container\\.pidsCurrent +[1-9][0-9]*")),
                "the task's processes: " + stats.stdout());
        ChildJvm stacks = cli("stacks", pid, "t1");
        assertEquals(0, stacks.exitStatus());
        assertEquals(List.of(), stacks.stdout(), "a task that is not isolated has no guest stacks");
        ChildJvm logs = cli("logs", pid, "t1");
        assertEquals(0, logs.exitStatus(), logs.stderr()::toString);
    }

    @Test
    void eventsFollowsTheTasksEventsUntilStopped() throws Exception {
        List<String> command = new ArrayList<>(List.of("-jar", ChildJvm.agentJar().toString(), "events", pid, "t1"));
        try (ChildJvm events = ChildJvm.launch(java, command)) {
            Thread.sleep(1_500); // registered before the exec comes
            assertEquals(0, cli("exec", pid, "t1", "--id", "e2", "--env", TaskClient.MARKER, "--", "/bin/true")
                    .exitStatus());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.stdout().size() >= 4);
            assertEquals("exec-added taskId=t1 execId=e2", events.stdout().get(0));
            assertTrue(events.stdout().get(1).startsWith("exec-started taskId=t1 execId=e2 pid="), events.stdout()::toString);
            assertTrue(events.stdout().get(2).startsWith("exit taskId=t1 id=e2 pid="), events.stdout()::toString);
            assertTrue(events.stdout().get(3).startsWith("delete taskId=t1 id=e2 pid="), events.stdout()::toString);
        }
    }

    @Test
    void aJolokiaUrlTargetTakesThePasswordFileAndRefusesWithoutIt() throws Exception {
        String url = host.jolokiaUrl();
        ChildJvm tasks = cli("tasks", url, "--password-file", dir.resolve("state/jolokia.password").toString());
        assertEquals(0, tasks.exitStatus(), tasks.stderr()::toString);
        assertTrue(tasks.stdout().get(1).startsWith("t1  "), tasks.stdout()::toString);

        Path wrong = Files.writeString(dir.resolve("wrong"), "not-the-password");
        ChildJvm refused = cli("tasks", url, "--password-file", wrong.toString());
        assertEquals(1, refused.exitStatus());
        assertEquals(List.of("hatchway: " + url + " refused the credentials (HTTP 401): give the agent's password "
                + "with --password-file or HATCHWAY_PASSWORD"), refused.stderr());
    }

    @Test
    void badInputIsOneLineAndExitOne() throws Exception {
        assertRefused(List.of("hatchway: NotFound: exec: 'nope' in task: 't1' not found"), "kill", pid, "t1", "--exec", "nope");
        assertRefused(List.of("hatchway: NotFound: task with id: 'none' not found"), "ps", pid, "none");
        assertRefused(List.of("hatchway: InvalidArgument: task id 'a,b=c' is not a valid id"), "stats", pid, "a,b=c");
        assertRefused(List.of("hatchway: FailedPrecondition: task is not isolated"), "share", pid, "t1", "/tmp", "/mnt");
        assertRefused(List.of("hatchway: exec: no command; give it after '--'"), "exec", pid, "t1");
        assertRefused(List.of("hatchway: unknown option '--bogus'"), "tasks", pid, "--bogus");
        assertRefused(List.of("hatchway: option --signal: 'TERM' is not a number"), "kill", pid, "t1", "--signal", "TERM");
        assertRefused(List.of("hatchway: no JVM with pid 1 that this user can attach to"), "tasks", "1");
        assertEquals("running", jolokia.read("hatchway:type=Task,name=t1", "Status").asText(), "nothing changed");
    }

    private static void assertRefused(List<String> stderr, String... arguments) throws Exception {
        ChildJvm cli = cli(arguments);
        assertEquals(1, cli.exitStatus(), () -> String.join(" ", arguments) + ": " + cli.stdout());
        assertEquals(stderr, cli.stderr(), String.join(" ", arguments));
        assertEquals(List.of(), cli.stdout());
    }
}
