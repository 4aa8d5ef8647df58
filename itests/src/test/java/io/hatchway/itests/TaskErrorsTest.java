package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SIGKILL;
import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.exec;
import static io.hatchway.testsupport.TaskClient.process;
import static io.hatchway.testsupport.TaskClient.task;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.TaskClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * Every contract failure a JMX client can provoke reaches it as a {@code java.*} exception whose
 * message starts with its kind, and changes nothing.
 */
class TaskErrorsTest extends HostJvmTest {

    @Test
    void anUnknownExecIsNotFound() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        String notFound = "NotFound: exec: 'nope' in task: 't1' not found";

        assertEquals(notFound, client.failure("NotFound", task("t1"), "state", "nope"));
        assertEquals(notFound, client.failure("NotFound", task("t1"), "start", "nope"));
        assertEquals(notFound, client.failure("NotFound", task("t1"), "killExec", "nope", SIGKILL, false));
        assertEquals(notFound, client.failure("NotFound", task("t1"), "killExec", "nope", SIGKILL, true),
                "an unknown exec is checked before the 'all' rule");
        assertEquals(notFound, client.failure("NotFound", task("t1"), "deleteExec", "nope"));
        assertEquals(notFound, client.failure("NotFound", task("t1"), "waitExec", "nope", 1000L));
        assertEquals(notFound, client.failure("NotFound", task("t1"), "closeIO", "nope", true));
        assertEquals("running", client.status("t1", ""));
        client.killAndDelete("t1");
    }

    @Test
    void aDuplicateExecIsAlreadyExists() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);
        int pid = client.start("t1", "e1");

        assertEquals("AlreadyExists: exec: 'e1' in task: 't1' already exists",
                client.failure("AlreadyExists", task("t1"), "createExec", "e1", process(SLEEP)));
        assertEquals("AlreadyExists: exec: 't1' in task: 't1' already exists",
                client.failure("AlreadyExists", task("t1"), "createExec", "t1", process(SLEEP)),
                "the task id is the init exec's");
        client.failure("AlreadyExists", task("t1"), "createExec", "", process(SLEEP));
        client.failure("AlreadyExists", ChildJvm.TASK_SERVICE, "createTask", "t1",
                TaskClient.bundle(bundleDir("t1"), SLEEP).toString(), TaskClient.EMPTY_OPTIONS);

        assertEquals("running", client.status("t1", "e1"), "the existing exec is untouched");
        assertEquals(pid, client.state("t1", "e1").get("pid"));
        assertArrayEquals(new String[] {"e1"}, (String[]) client.attribute(task("t1"), "ExecIds"));
        assertArrayEquals(new String[] {"t1"}, (String[]) client.attribute(ChildJvm.TASK_SERVICE, "TaskIds"));
        client.killAndDelete("t1");
    }

    @Test
    void startingTwiceIsFailedPrecondition() throws Exception {
        int initPid = client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);
        int execPid = client.start("t1", "e1");

        assertEquals("FailedPrecondition: exec: '' in task: 't1' is in invalid state: 'running' for start",
                client.failure("FailedPrecondition", task("t1"), "start", ""));
        assertEquals("FailedPrecondition: exec: 'e1' in task: 't1' is in invalid state: 'running' for start",
                client.failure("FailedPrecondition", task("t1"), "start", "e1"));
        client.failure("FailedPrecondition", exec("t1", "e1"), "start");

        client.killExec("t1", "e1", SIGKILL, false);
        client.waitExec("t1", "e1");
        assertEquals("FailedPrecondition: exec: 'e1' in task: 't1' is in invalid state: 'exited' for start",
                client.failure("FailedPrecondition", task("t1"), "start", "e1"));

        assertEquals(initPid, client.state("t1", "").get("pid"), "nothing was started again");
        assertEquals(execPid, client.state("t1", "e1").get("pid"));
        client.killAndDelete("t1");
    }

    @Test
    void aBadSignalIsFailedPreconditionAndDeliversNothing() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);
        client.start("t1", "e1");

        for (int signal : new int[] {0, 32, 64, -1}) {
            assertEquals("FailedPrecondition: signal " + signal + ": invalid signal value",
                    client.failure("FailedPrecondition", task("t1"), "killExec", "e1", signal, false));
            client.failure("FailedPrecondition", exec("t1", "e1"), "kill", signal);
        }
        client.failure("FailedPrecondition", task("t1"), "killExec", "", 99, true);

        assertEquals("running", client.status("t1", "e1"));
        assertEquals("running", client.status("t1", ""));
        client.killAndDelete("t1");
    }

    @Test
    void aBadIdIsInvalidArgumentAndLeavesNothingBehind() throws Exception {
        String bundle = TaskClient.bundle(bundleDir("t1"), SLEEP).toString();
        for (String id : List.of("has space", "a..b", "-lead", "trail-", "a/b", "a,type=Task", "x".repeat(77))) {
            client.failure("InvalidArgument", ChildJvm.TASK_SERVICE, "createTask", id, bundle, TaskClient.EMPTY_OPTIONS);
        }
        assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans(), "no half-created task");
        assertArrayEquals(new String[0], (String[]) client.attribute(ChildJvm.TASK_SERVICE, "TaskIds"));

        client.startedTask("t1", bundleDir("t1"));
        for (String id : List.of("has space", "a..b", "a/b", "x".repeat(77))) {
            client.failure("InvalidArgument", task("t1"), "createExec", id, process(SLEEP));
        }
        client.failure("InvalidArgument", task("t1"), "createExec", "e1", "{\"args\":[]}");
        client.failure("InvalidArgument", task("t1"), "createExec", "e1", "not json");
        assertEquals(Set.of("hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec"), client.mbeansOf("t1"),
                "no half-created exec");
        assertArrayEquals(new String[0], (String[]) client.attribute(task("t1"), "ExecIds"));
        client.killAndDelete("t1");
    }

    @Test
    void aWaitThatTimesOutIsDeadlineExceededAndChangesNothing() throws Exception {
        int initPid = client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);
        int execPid = client.start("t1", "e1");

        assertTrue(client.failure("DeadlineExceeded", task("t1"), "waitExec", "e1", 200L).contains("e1"));
        client.failure("DeadlineExceeded", task("t1"), "waitExec", "", 200L);
        client.failure("DeadlineExceeded", exec("t1", "e1"), "waitFor", 200L);

        for (String execId : List.of("", "e1")) {
            CompositeData state = client.state("t1", execId);
            assertEquals("running", state.get("status"));
            assertEquals(execId.isEmpty() ? initPid : execPid, state.get("pid"));
            assertEquals(255L, state.get("exitStatus"));
            assertEquals("", state.get("exitedAt"));
        }
        assertTrue(ProcessHandle.of(execPid).map(ProcessHandle::isAlive).orElse(false));
        client.failure("InvalidArgument", task("t1"), "waitExec", "e1", -1L);
        client.killAndDelete("t1");
    }

    @Test
    void operationsOutOfOrderAreFailedPrecondition() throws Exception {
        client.createTask("t1", TaskClient.bundle(bundleDir("t1"), SLEEP));
        assertEquals("FailedPrecondition: exec: '' in task: 't1' must be running to create additional execs",
                client.failure("FailedPrecondition", task("t1"), "createExec", "e1", process(SLEEP)));

        client.start("t1", "");
        client.createExec("t1", "e1", SLEEP);
        client.start("t1", "e1");
        assertEquals("FailedPrecondition: cannot signal all for non-empty exec: 'e1'",
                client.failure("FailedPrecondition", task("t1"), "killExec", "e1", SIGKILL, true));
        assertEquals("FailedPrecondition: exec: 'e1' in task: 't1' is in invalid state: 'running' for delete",
                client.failure("FailedPrecondition", task("t1"), "deleteExec", "e1"));
        assertTrue(client.failure("FailedPrecondition", task("t1"), "resizePty", "e1", 80, 24).endsWith("is not a tty"));
        assertEquals("FailedPrecondition: task is not isolated",
                client.failure("FailedPrecondition", task("t1"), "share", "/tmp", "/mnt", true));
        assertEquals("running", client.status("t1", "e1"));

        client.killExec("t1", "e1", SIGKILL, false);
        client.waitExec("t1", "e1");
        client.failure("NotFound", task("t1"), "killExec", "e1", SIGKILL, false);
        client.killAndDelete("t1");
    }

    @Test
    void whatTheProcessBackendCannotDoIsRefusedByName() throws Exception {
        String bundle = TaskClient.bundle(bundleDir("t1"), SLEEP).toString();
        client.failure("InvalidArgument", ChildJvm.TASK_SERVICE, "createTask", "t1", bundle, "{\"isolation\":\"sandbox\"}");
        client.failure("NotImplemented", ChildJvm.TASK_SERVICE, "createTask", "t1", bundle, "{\"runtime\":\"crun\"}");
        client.failure("InvalidArgument", ChildJvm.TASK_SERVICE, "createTask", "t1", bundle, "{\"isolaton\":\"sandbox\"}");
        assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans(), "no half-created task");

        client.startedTask("t1", bundleDir("t1"));
        assertEquals("FailedPrecondition: task is not isolated",
                client.failure("FailedPrecondition", task("t1"), "execInHost", process("true"), 1000L));
        assertTrue(client.failure("InvalidArgument", task("t1"), "execInHost", "{\"args\":[]}", 1000L)
                .endsWith("missing command"));
        assertEquals("", client.invoke(task("t1"), "dumpGuestStacks"), "not isolated: no guest stacks");
        String terminal = process(SLEEP).replace("{", "{\"terminal\":true,");
        client.invoke(task("t1"), "createExec", "e1", terminal); // a terminal is the process backend's to give
        client.invoke(task("t1"), "deleteExec", "e1");
        assertEquals("FailedPrecondition: if using terminal, stderr must be empty", client.failure("FailedPrecondition",
                task("t1"), "createExec", "e1", terminal.replace("{", "{\"stderr\":\"/dev/null\",")));
        assertEquals(Set.of("hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec"), client.mbeansOf("t1"));
        client.killAndDelete("t1");
    }

    @Test
    void aMissingOrBrokenBundleIsInvalidArgumentAndLeavesNothingBehind() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty-bundle"));
        Path notJson = Files.createDirectories(dir.resolve("not-json"));
        Files.writeString(notJson.resolve("config.json"), "{ this is not json");
        Path noArgs = Files.createDirectories(dir.resolve("no-args"));
        Files.writeString(noArgs.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[]}}");

        for (Path bundle : List.of(dir.resolve("missing"), empty, notJson, noArgs)) {
            client.failure("InvalidArgument", ChildJvm.TASK_SERVICE, "createTask", "t1", bundle.toString(),
                    TaskClient.EMPTY_OPTIONS);
        }
        client.failure("InvalidArgument", ChildJvm.TASK_SERVICE, "createTask", "t1",
                TaskClient.bundle(bundleDir("t1"), SLEEP).toString(), "{not json");
        assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans());
    }
}
