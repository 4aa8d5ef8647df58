package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SLEEP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar hatchway-agent.jar start|stop|status|list} as a script uses it against real
 * running JVMs: exit status 0 on success and 1 otherwise, one clear line, a start that returns once
 * the target serves, a second start refused, a stop that unregisters the MBeans and closes the port
 * but leaves the tasks' processes running, and a start again after a stop.
 */
class AttachCliTest {
    private static final String TASK_SERVICE = "hatchway:type=TaskService";

    @TempDir
    Path dir;

    /** A token in a host's display name (its main's arguments), so a regex finds only this test's hosts. */
    private final String token = "itest-" + UUID.randomUUID();

    @Test
    void startStatusListSecondStartStopAndStartAgain() throws Exception {
        Path java = ChildJvm.defaultJava();
        Path stateDir = dir.resolve("state");
        String options = "backend=process,port=0,stateDir=" + stateDir;
        try (ChildJvm host = ChildJvm.startHost(java, null, token)) {
            String pid = Long.toString(host.pid());
            String described = pid + " (" + HostMain.class.getName() + " " + token + ")";

            ChildJvm status = ChildJvm.cli(java, "status", pid);
            assertEquals(1, status.exitStatus(), "status of a JVM without Hatchway");
            assertEquals(List.of("Hatchway is not loaded in " + described), status.stdout());
            ChildJvm stop = ChildJvm.cli(java, "stop", pid);
            assertEquals(1, stop.exitStatus(), "stop of a JVM without Hatchway");
            assertEquals(List.of("hatchway: Hatchway is not loaded in " + described), stop.stderr());

            ChildJvm start = ChildJvm.cli(java, "start", pid, options);
            assertEquals(0, start.exitStatus(), "start: " + start.stderr());
            String url = host.jolokiaUrl();
            assertEquals(List.of("Hatchway started in " + described + ", Jolokia at " + url), start.stdout(),
                    "start returns once the target serves, and says where");
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(url, stateDir);
            assertEquals("process", jolokia.read(TASK_SERVICE, "Backend").asText());

            status = ChildJvm.cli(java, "status", pid);
            assertEquals(0, status.exitStatus());
            assertEquals(List.of("Hatchway is running in " + described + ", Jolokia at " + url), status.stdout());
            ChildJvm list = ChildJvm.cli(java, "list");
            assertEquals(0, list.exitStatus());
            assertTrue(list.stdout().contains(pid + "  " + HostMain.class.getName() + " " + token
                    + "  [hatchway, Jolokia at " + url + "]"), "list marks the JVM with Hatchway: " + list.stdout());

            ChildJvm again = ChildJvm.cli(java, "start", pid, options);
            assertEquals(1, again.exitStatus(), "a second start is refused");
            assertEquals(List.of("hatchway: Hatchway is already loaded in " + described + "; stop it first"), again.stderr());
            assertEquals("process", jolokia.read(TASK_SERVICE, "Backend").asText(), "the first one serves on");

            // a task whose process must outlive the stop
            jolokia.exec(TASK_SERVICE, "createTask", "t1", TaskClient.bundle(dir.resolve("bundle"), SLEEP).toString(), "");
            int taskPid = jolokia.exec("hatchway:type=Task,name=t1", "start", "").asInt();
            ProcessHandle taskProcess = ProcessHandle.of(taskPid).orElseThrow();
            try {
                stop = ChildJvm.cli(java, "stop", pid);
                assertEquals(0, stop.exitStatus(), "stop: " + stop.stderr());
                assertEquals(List.of("Hatchway stopped in " + described + "; its tasks' processes keep running"),
                        stop.stdout());
                assertFalse(Leftovers.ended(taskProcess), "the task's process keeps running");
                assertEquals(List.of(), ListeningSockets.of(host.pid()), "Jolokia's port is closed");
                assertThrows(ConnectException.class, () -> jolokia.send("{\"type\":\"version\"}"), "nothing answers at " + url);
                assertEquals(Set.of(), new TaskClient(host.connect()).hatchwayMBeans(), "no hatchway MBean is left over JMX");
                assertEquals(1, ChildJvm.cli(java, "status", pid).exitStatus(), "status after stop");

                start = ChildJvm.cli(java, "start", pid, options);
                assertEquals(0, start.exitStatus(), "start again after stop: " + start.stderr());
                String newUrl = start.stdout().get(0).substring(start.stdout().get(0).indexOf("Jolokia at ") + "Jolokia at ".length());
                JolokiaClient restarted = JolokiaClient.withPasswordFile(newUrl, stateDir);
                assertEquals("process", restarted.read(TASK_SERVICE, "Backend").asText(), "it serves again");
                assertEquals(0, restarted.read(TASK_SERVICE, "TaskIds").size(), "a new start knows no task of the last one");
                assertEquals(0, ChildJvm.cli(java, "stop", pid).exitStatus());
            } finally {
                taskProcess.descendants().forEach(ProcessHandle::destroyForcibly);
                taskProcess.destroyForcibly();
            }

            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
            assertTrue(host.stdout().contains(HostMain.DONE), "the host's main ran to its end");
            List<String> agentLines = host.agentLines();
            assertEquals(4, agentLines.size(), "started, stopped, started, stopped: " + agentLines);
            assertTrue(agentLines.get(1).startsWith("[hatchway] stopped"), agentLines.toString());
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    @Test
    void aStartTheTargetRefusesOrBadOptionsExitOneAndAFixedStartWorks() throws Exception {
        Path java = ChildJvm.defaultJava();
        Path stateDir = dir.resolve("state");
        try (ChildJvm host = ChildJvm.startHost(java, null, token)) {
            String pid = Long.toString(host.pid());

            ChildJvm bad = ChildJvm.cli(java, "start", pid, "port=abc,stateDir=" + stateDir);
            assertEquals(1, bad.exitStatus());
            assertEquals(List.of("hatchway: bad options: port=abc: must be a number from 0 to 65535"), bad.stderr());
            assertEquals(List.of(), host.agentLines(), "bad options never reach the target");

            ChildJvm refused = ChildJvm.cli(java, "start", pid, "host=0.0.0.0,auth=none,port=0,stateDir=" + stateDir);
            assertEquals(1, refused.exitStatus(), "start waits for the target, and the target refused");
            assertEquals(1, refused.stderr().size(), "one line: " + refused.stderr());
            assertTrue(refused.stderr().get(0).startsWith("hatchway: Hatchway did not start: Jolokia: auth=none is refused"),
                    refused.stderr().get(0));
            assertEquals(1, ChildJvm.cli(java, "status", pid).exitStatus());

            ChildJvm fixed = ChildJvm.cli(java, "start", pid, "backend=process,port=0,stateDir=" + stateDir);
            assertEquals(0, fixed.exitStatus(), "a start after a refused one: " + fixed.stderr());
            String url = host.jolokiaUrl();
            assertEquals("process", JolokiaClient.withPasswordFile(url, stateDir).read(TASK_SERVICE, "Backend").asText());
            assertEquals("127.0.0.1", URI.create(url).getHost());

            assertEquals(0, host.stop());
            assertTrue(host.stdout().contains(HostMain.DONE));
            host.assertNoStackTrace();
        }
    }

    @Test
    void aTargetMustBeExactlyOneJvm() throws Exception {
        Path java = ChildJvm.defaultJava();
        try (ChildJvm first = ChildJvm.startHost(java, null, token, "first");
             ChildJvm second = ChildJvm.startHost(java, null, token, "second")) {
            for (String command : List.of("start", "status", "stop")) {
                ChildJvm cli = ChildJvm.cli(java, command, token);
                assertEquals(1, cli.exitStatus(), command + " with a regex matching two JVMs");
                String error = String.join("\n", cli.stderr());
                assertTrue(cli.stderr().get(0).equals("hatchway: '" + token + "' matches 2 JVMs; it must match exactly one"),
                        error);
                assertTrue(error.contains(first.pid() + "  ") && error.contains(second.pid() + "  "), "names both: " + error);
            }
            assertEquals(List.of(), first.agentLines(), "neither was touched");
            assertEquals(List.of(), second.agentLines(), "neither was touched");

            ChildJvm none = ChildJvm.cli(java, "status", token + "-nothing");
            assertEquals(1, none.exitStatus());
            assertTrue(none.stderr().get(0).contains("matches 0 JVMs"), none.stderr().toString());
            ChildJvm noPid = ChildJvm.cli(java, "status", "2147483647");
            assertEquals(1, noPid.exitStatus());
            assertEquals(List.of("hatchway: no JVM with pid 2147483647 that this user can attach to"), noPid.stderr());

            ChildJvm one = ChildJvm.cli(java, "status", token + " sec.nd$"); // a regex matching one is as good as its pid
            assertEquals(1, one.exitStatus(), "it has no Hatchway");
            assertEquals(List.of("Hatchway is not loaded in " + second.pid() + " (" + HostMain.class.getName() + " "
                    + token + " second)"), one.stdout());

            assertEquals(0, first.stop());
            assertEquals(0, second.stop());
        }
    }

}
