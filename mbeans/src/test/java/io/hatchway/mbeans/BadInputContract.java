package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input that is about what tasks and execs do, not about parsing it (that is
 * {@link BadInputTest}): taken ids, processes that cannot start, terminals, signals, waits at their
 * limits, host operations on a task that is not isolated. Each refusal is a clear error of the right
 * kind that changes nothing a user can see (task ids, registered MBeans, files in the state
 * directory, processes), checked through the same JMX proxies a client would use.
 */
abstract class BadInputContract extends BackendContract {
    private static final String TID = "bad-input";
    private static final List<String> EXECS = List.of("exec-1", "exec-2", "exec-3");

    BadInputContract(Backend backend) {
        super(backend);
    }

    // ids

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {TID, "taken"})
    @DisplayName("An exec id that is empty, the task id, or taken is AlreadyExists")
    void execIdAlreadyExists(String id) {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, longRunning(), "taken");

        String message = hatchway.assertRefused(ErrorKind.AlreadyExists,
                () -> task.createExec(id, Bundles.process(longRunning())));

        assertEquals("AlreadyExists: exec: '" + id + "' in task: '" + TID + "' already exists", message);
    }

    @Test
    @DisplayName("A task id that is taken is AlreadyExists, and the task that has it is untouched")
    void taskIdAlreadyExists() {
        TaskMXBean task = hatchway.started(TID);
        String bundle = hatchway.bundle("valid", longRunning()).toString();

        hatchway.assertRefused(ErrorKind.AlreadyExists, () -> hatchway.serviceMBean.createTask(TID, bundle, backend.taskOptions()));

        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Ids at the rule's limits are accepted: 76 characters, single separators")
    void idsAtTheLimit() {
        String longest = "t".repeat(76);
        TaskMXBean task = hatchway.started(longest);
        addExecs(task, longRunning(), "e".repeat(76), "a.b_c-d");

        assertEquals(List.of(longest), hatchway.serviceMBean.getTaskIds());
        assertTrue(hatchway.server.isRegistered(TaskService.execName(longest, "e".repeat(76))));
        assertTrue(hatchway.server.isRegistered(TaskService.execName(longest, "a.b_c-d")));
        task.start("e".repeat(76));
        assertEquals("running", status(task, "e".repeat(76)));
    }

    // starts that fail

    static Stream<Arguments> unstartable() {
        return Stream.of(
                Arguments.of("a missing binary", "/nonexistent/hatchway-test-binary"),
                Arguments.of("a command on no PATH", "hatchway-test-no-such-command"),
                // A regular file without execute permission (refused even to root), in every root file system.
                Arguments.of("a file that is not executable", "/proc/version"),
                Arguments.of("a directory", "/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unstartable")
    @DisplayName("An init exec that cannot start: InvalidArgument, exited with status 1, torn down, no process")
    void initStartFails(String what, String binary) {
        if (backend.createResolvesBinary()) {
            // runc resolves the binary when it creates the container: createTask is refused, nothing is left.
            Path bundle = hatchway.bundle(TID, binary);
            String message = hatchway.assertRefused(ErrorKind.InvalidArgument, () -> hatchway.create(TID, bundle));
            assertTrue(message.contains("\"" + binary + "\""), message);
            return;
        }
        TaskMXBean task = hatchway.create(TID, binary);
        TaskFixture.Snapshot before = hatchway.snapshot();

        String message = assertKind(ErrorKind.InvalidArgument, () -> task.start(""));

        assertTrue(message.startsWith("InvalidArgument: cannot start '"), message);
        ExitStatus exit = awaitExit(task, "");
        assertEquals(1, exit.getExitStatus());
        assertEquals(0, task.state("").getPid());
        assertEquals(before.processes(), TaskFixture.testProcesses());
        assertKind(ErrorKind.NotFound, task::stats);
        assertEquals(1, task.deleteExec("").getExitStatus());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unstartable")
    @DisplayName("An additional exec that cannot start: InvalidArgument, exited with status 1, no process,"
            + " the init exec untouched")
    void execStartFails(String what, String binary) {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, new String[] {binary}, "exec");
        TaskFixture.Snapshot before = hatchway.snapshot();

        assertKind(ErrorKind.InvalidArgument, () -> task.start("exec"));

        ExecStatus exec = task.state("exec");
        assertEquals("exited", exec.getStatus());
        assertEquals(1, exec.getExitStatus());
        assertEquals(0, exec.getPid());
        assertEquals(before.processes(), TaskFixture.testProcesses());
        assertEquals("running", status(task, ""));
        assertEquals(1, task.deleteExec("exec").getExitStatus());
    }

    // files that cannot be read or opened: the same kind on every backend, in words, not Java

    @Test
    @DisplayName("A bundle whose config.json cannot be read is InvalidArgument in the OS's words, nothing made")
    void unreadableConfig() throws IOException {
        Path bundle = Files.createDirectories(tempDir.resolve("bundles/dir-config/config.json")).getParent();

        String message = hatchway.assertRefused(ErrorKind.InvalidArgument,
                () -> hatchway.serviceMBean.createTask("dir-config", bundle.toString(), ""));

        assertEquals("InvalidArgument: bundle '" + bundle + "': cannot read config.json: Is a directory", message);
    }

    @Test
    @DisplayName("An exec whose stdout cannot be opened fails to start with InvalidArgument naming the file,"
            + " exited with status 1, the init exec untouched")
    void unopenableStdout() {
        TaskMXBean task = hatchway.started(TID);
        String stdout = tempDir.resolve("no-such-dir/out.log").toString();
        task.createExec("exec", Bundles.processNode(longRunning()).put("stdout", stdout).toString());

        String message = assertKind(ErrorKind.InvalidArgument, () -> task.start("exec"));

        assertTrue(message.contains(stdout), message);
        assertEquals("exited", status(task, "exec"));
        assertEquals(1, task.deleteExec("exec").getExitStatus());
        assertEquals("running", status(task, ""));
    }

    // terminals

    @Test
    @DisplayName("A terminal the backend cannot give is NotImplemented, for the init exec and an exec; one it gives"
            + " is taken; a terminal with a separate stderr is FailedPrecondition first")
    void terminalWhereTheBackendGivesNone() {
        ObjectNode terminal = Bundles.processNode(longRunning()).put("terminal", true);
        Path bundle = hatchway.bundle("tty", terminal);
        TaskMXBean task = hatchway.started(TID);

        if (backend.terminals()) {
            hatchway.serviceMBean.createTask("tty", bundle.toString(), backend.taskOptions());
            TaskFixture.delete(hatchway.task("tty"));
            task.createExec("tty", terminal.toString());
            task.deleteExec("tty");
        } else {
            hatchway.assertRefused(ErrorKind.NotImplemented,
                    () -> hatchway.serviceMBean.createTask("tty", bundle.toString(), backend.taskOptions()));
            hatchway.assertRefused(ErrorKind.NotImplemented, () -> task.createExec("tty", terminal.toString()));
        }
        assertEquals("FailedPrecondition: if using terminal, stderr must be empty", hatchway.assertRefused(
                ErrorKind.FailedPrecondition,
                () -> task.createExec("tty", terminal.put("stderr", tempDir.resolve("err").toString()).toString())));
    }

    // signals

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 32, -1, 64, Integer.MIN_VALUE})
    @DisplayName("A signal the target does not take (Linux: outside 1-31; Windows: other than 0, 1, 2, 5, 6, 9, 15)"
            + " is FailedPrecondition 'invalid signal value' for running execs; kill-all delivers nothing either")
    void invalidSignal(int signal) {
        assumeFalse(backend.facts.signals().contains(signal), () -> backend + " takes signal " + signal);
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, EXECS.toArray(String[]::new));
        String expected = "FailedPrecondition: signal " + signal + ": invalid signal value";

        assertEquals(expected, hatchway.assertRefused(ErrorKind.FailedPrecondition,
                () -> task.killExec("", signal, false)));
        assertEquals(expected, hatchway.assertRefused(ErrorKind.FailedPrecondition,
                () -> task.killExec("exec-1", signal, false)));
        assertEquals(expected, hatchway.assertRefused(ErrorKind.FailedPrecondition,
                () -> task.killExec("", signal, true)));
        assertEquals(expected, hatchway.assertRefused(ErrorKind.FailedPrecondition,
                () -> hatchway.exec(TID, "exec-2").kill(signal)));

        assertEquals("running", status(task, ""));
        for (String execId : EXECS) {
            assertEquals("running", status(task, execId), execId);
        }
    }

    // waits

    @Test
    @DisplayName("Timeouts at the limits are accepted: 0 expires at once (DeadlineExceeded, nothing changes),"
            + " 3600000 returns as soon as the exec has exited")
    void timeoutsAtTheLimits() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, "exec");
        addExecs(task, new String[] {"/bin/true"}, "quick");

        hatchway.assertRefused(ErrorKind.DeadlineExceeded, () -> task.waitExec("exec", 0));
        hatchway.assertRefused(ErrorKind.DeadlineExceeded, () -> task.waitExec("", 0));
        task.start("quick");
        assertEquals(0, task.waitExec("quick", 3_600_000).getExitStatus());
        assertEquals("running", status(task, "exec"));
        assertFalse(task.state("quick").getExitedAt().isEmpty());
    }

    // host operations

    @Test
    @DisplayName("execInHost on a task that is not isolated is FailedPrecondition; empty args InvalidArgument")
    void execInHostNotIsolated() {
        assumeFalse(backend.isolated(), () -> backend.name() + "'s tasks are isolated");
        TaskMXBean task = hatchway.started(TID);

        assertEquals("FailedPrecondition: task is not isolated", hatchway.assertRefused(
                ErrorKind.FailedPrecondition, () -> task.execInHost(Bundles.process("/bin/true"), WAIT_MILLIS)));
        assertTrue(hatchway.assertRefused(ErrorKind.InvalidArgument,
                () -> task.execInHost("{\"args\":[]}", WAIT_MILLIS)).endsWith("missing command"));
        assertEquals("FailedPrecondition: task is not isolated", hatchway.assertRefused(
                ErrorKind.FailedPrecondition, () -> task.share(tempDir.toString(), "/mnt", true)));
        assertEquals("", task.dumpGuestStacks());
    }
}
