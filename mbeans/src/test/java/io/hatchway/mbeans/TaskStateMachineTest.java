package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Bundles.process;
import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.SIGTERM;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static io.hatchway.mbeans.TaskFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task and exec state machines through their plain Java API, without any MBeanServer: a
 * {@link Task} on the real process backend, given a {@link TaskContext} whose listener records what
 * the task tells (events, execs and the task coming and going), which is all a task reports beside
 * its answers. The contract suites check the same behaviour through JMX on every backend.
 */
class TaskStateMachineTest {
    private static final String TID = "t1";
    private static final String EXEC = "e1";

    @TempDir
    Path tempDir;
    private final Set<Long> leftBefore = TaskFixture.testProcesses();
    private final Recorder told = new Recorder();
    private final List<Task> tasks = new ArrayList<>();
    private ComputeBackend backend;
    private TaskThreads threads;
    private TaskContext context;

    @BeforeEach
    void open() {
        backend = Backend.PROCESS.open(tempDir.resolve("state"));
        threads = new TaskThreads();
        context = new TaskContext(told, threads.executor(), threads.scheduler(), TaskFixture.TIMEOUTS);
    }

    /** Ends what a test left through the contract's own operations, then checks no process is left. */
    @AfterEach
    void close() {
        try {
            for (Task task : tasks) {
                if (!task.isDeleted()) {
                    task.killExec("", SIGKILL, true);
                    task.waitExec("", WAIT_MILLIS);
                    task.deleteExec("");
                }
            }
        } finally {
            threads.close();
            backend.close();
        }
        eventually("no process started by the test is left").until(() -> leftBefore.containsAll(TaskFixture.testProcesses()));
    }

    /** A task whose init exec runs {@code args}, created as the service creates one (no create event: the service sends it). */
    private Task create(String taskId, String... args) {
        Bundle bundle = Bundle.load(Bundles.write(tempDir.resolve("bundles").resolve(taskId), args).toString());
        Task task = Task.create(context, taskId, bundle, taskDir(taskId),
                stdio -> backend.create(taskId, bundle, TaskOptions.parse("", backend.optionKeys()), stdio));
        tasks.add(task);
        return task;
    }

    private Path taskDir(String taskId) {
        return tempDir.resolve("state").resolve("tasks").resolve(taskId);
    }

    private Task started(String taskId) {
        Task task = create(taskId, longRunning());
        task.start("");
        return task;
    }

    @Test
    @DisplayName("The init exec: created → running → exited → deleted, with start, exit and delete told in order")
    void initExecLifecycle() {
        Task task = create(TID, longRunning());
        assertEquals("created", task.getStatus());
        assertEquals(0, task.getPid());
        assertEquals(255, task.state("").getExitStatus());

        int pid = task.start("");
        assertTrue(pid > 0);
        assertEquals("running", task.getStatus());
        assertEquals(pid, task.getPid());
        assertTrue(task.pids().stream().anyMatch(p -> p.getProcessId() == pid && p.getExecId().equals(TID)));

        task.killExec("", SIGTERM, false);
        ExitStatus exit = task.waitExec("", WAIT_MILLIS); // the task-level wait: after teardown
        assertEquals(128 + SIGTERM, exit.getExitStatus());
        assertFalse(exit.getExitedAt().isEmpty());
        assertEquals("exited", task.state("").getStatus());

        DeleteResult deleted = task.deleteExec("");
        assertEquals(pid, deleted.getPid());
        assertEquals(128 + SIGTERM, deleted.getExitStatus());
        assertEquals(List.of("event /tasks/start " + TID, "event /tasks/exit " + TID, "event /tasks/delete " + TID,
                "taskDeleted " + TID, "taskReleased " + TID), told.all());
        assertTrue(task.isDeleted());
        assertTrue(task.released().isDone());
        assertFalse(Files.exists(taskDir(TID)), "the task's kept output is removed");
        assertKind(ErrorKind.NotFound, () -> task.state(""));
        assertKind(ErrorKind.NotFound, () -> task.start(""));
        assertKind(ErrorKind.NotFound, () -> task.deleteExec(""));
    }

    @Test
    @DisplayName("An additional exec: added → started → exited with its own status → deleted, each step told")
    void additionalExecLifecycle() {
        Task task = started(TID);
        told.clear();

        task.createExec(EXEC, process(shell("echo out; exit 3")));
        assertEquals(List.of(EXEC), task.getExecIds());
        assertEquals("created", task.state(EXEC).getStatus());
        int pid = task.start(EXEC);
        ExitStatus exit = task.waitExec(EXEC, WAIT_MILLIS);
        assertEquals(3, exit.getExitStatus());
        Exec exec = task.getExec(EXEC);
        assertEquals("exited", exec.getState());
        assertEquals(pid, exec.getPid());
        assertEquals("out\n", exec.getStdout());

        DeleteResult deleted = task.deleteExec(EXEC);
        assertEquals(3, deleted.getExitStatus());
        assertEquals(List.of("execAdded " + EXEC, "event /tasks/exec-added " + EXEC, "event /tasks/exec-started " + EXEC,
                "event /tasks/exit " + EXEC, "event /tasks/delete " + EXEC, "execDeleted " + EXEC), told.all());
        assertEquals(List.of(), task.getExecIds());
        assertKind(ErrorKind.NotFound, () -> task.state(EXEC));
        assertEquals("running", task.getStatus(), "deleting an exec leaves the task as it was");
    }

    @Test
    @DisplayName("FailedPrecondition rows of the contract: refused, and nothing changes or is told")
    void failedPreconditions() {
        Task task = create(TID, longRunning());
        assertEquals("FailedPrecondition: exec: '' in task: '" + TID + "' must be running to create additional execs",
                assertKind(ErrorKind.FailedPrecondition, () -> task.createExec(EXEC, process(longRunning()))));
        task.start("");
        told.clear();
        assertKind(ErrorKind.FailedPrecondition, () -> task.start(""));
        // (deleteExec("") force-exits the additional execs before it is refused: checked without any)
        assertEquals("FailedPrecondition: exec: '' in task: '" + TID + "' is in invalid state: 'running' for delete",
                assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec("")));
        task.createExec(EXEC, process(longRunning()));
        told.clear();

        assertEquals("FailedPrecondition: cannot signal all for non-empty exec: '" + EXEC + "'",
                assertKind(ErrorKind.FailedPrecondition, () -> task.killExec(EXEC, SIGTERM, true)));
        assertKind(ErrorKind.FailedPrecondition, () -> task.killExec("", 0, false));
        assertKind(ErrorKind.FailedPrecondition, () -> task.resizePty(EXEC, 80, 24));
        task.start(EXEC);
        assertKind(ErrorKind.FailedPrecondition, () -> task.start(EXEC));
        assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(EXEC));

        assertEquals(List.of("event /tasks/exec-started " + EXEC), told.all(), "only the one start that was allowed");
        assertEquals("running", task.getStatus());
        assertEquals("running", task.state(EXEC).getStatus());
    }

    @Test
    @DisplayName("An exec the listener refuses (its MBean cannot be registered) is not kept, not announced, its id free")
    void refusedExecLeavesNothing() {
        Task task = started(TID);
        told.refuseNextExec = true;

        assertKind(ErrorKind.AlreadyExists, () -> task.createExec(EXEC, process(longRunning())));

        assertEquals(List.of(), task.getExecIds());
        assertKind(ErrorKind.NotFound, () -> task.state(EXEC));
        assertFalse(told.all().contains("event /tasks/exec-added " + EXEC));
        task.createExec(EXEC, process(longRunning()));
        assertEquals(List.of(EXEC), task.getExecIds());
    }

    @Test
    @DisplayName("A created exec killed becomes exited with status 1 without a process; the task's delete force-exits the rest")
    void killOfACreatedExecAndTaskDeleteWithExecs() {
        Task task = started(TID);
        task.createExec(EXEC, process(longRunning()));
        task.createExec("e2", process(longRunning()));
        task.start("e2");

        task.killExec(EXEC, SIGTERM, false);
        assertEquals(1, task.waitExec(EXEC, 0).getExitStatus());
        assertKind(ErrorKind.NotFound, () -> task.killExec(EXEC, SIGTERM, false));

        task.killExec("", SIGKILL, true);
        assertEquals(128 + SIGKILL, task.waitExec("", WAIT_MILLIS).getExitStatus());
        assertEquals(128 + SIGKILL, task.waitExec("e2", WAIT_MILLIS).getExitStatus());
        task.deleteExec("");
        assertTrue(told.all().containsAll(List.of("event /tasks/exit e2", "event /tasks/delete " + TID)));
        assertFalse(told.all().contains("event /tasks/exit " + EXEC), "an exec that never started sends no exit");
    }

    /** What the task told, as lines: {@code event <topic> <id>}, {@code execAdded <id>}, ... */
    private static final class Recorder implements TaskListener {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        volatile boolean refuseNextExec;

        @Override
        public void event(Task task, Event event) {
            Object id = event.fields().containsKey("execId") ? event.fields().get("execId") : event.fields().get("id");
            lines.add("event " + event.topic() + " " + (id == null || id.equals("") ? event.taskId() : id));
        }

        @Override
        public void execAdded(Exec exec) {
            if (refuseNextExec) {
                refuseNextExec = false;
                throw ErrorKind.AlreadyExists.error("MBean for exec '%s': refused", exec.getId());
            }
            lines.add("execAdded " + exec.getId());
        }

        @Override
        public void execDeleted(Exec exec) {
            lines.add("execDeleted " + exec.getId());
        }

        @Override
        public void taskDeleted(Task task) {
            lines.add("taskDeleted " + task.getId());
        }

        @Override
        public void taskReleased(Task task) {
            lines.add("taskReleased " + task.getId());
        }

        List<String> all() {
            return List.copyOf(lines);
        }

        void clear() {
            lines.clear();
        }
    }
}
