package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.SIGTERM;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.testsupport.BusyboxBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * hcsshim's {@code cmd/containerd-shim-runhcs-v1/task_hcs_test.go}, every case, against real
 * processes (host processes or containers) instead of its {@code testShimExec} fakes. The Go setup
 * is a task whose init exec and one second exec are both {@code created}; real execs can only be
 * added to a running init exec, so here the init exec runs a long sleep unless the Go case wants it
 * created. Where the Go case touches "all", three or more additional execs stand in for its one
 * second exec.
 *
 * <p>The Go cases signal 0xf (SIGTERM). A real process killed by SIGTERM reports 143, and so does a
 * process stopped by the task's teardown (which also sends SIGTERM); where the test must tell the
 * two apart it sends the backend's user signal instead ({@link Backend#userSignal}: SIGUSR1, exit
 * status 138, on Linux).
 *
 * <p>On runc the init exec is pid 1 of the container's pid namespace and ignores every signal it
 * has no handler for ({@link Backend#initIsPidOne}); where a case ends the init exec by a signal it
 * sends {@link TaskFixture#signalEndingInit}, which is SIGKILL there.
 */
abstract class HcsTaskContract extends BackendContract {
    private static final String TID = "hcs-task";
    private static final String SECOND = "second";
    private static final List<String> RUNNING_EXECS = List.of("running-1", "running-2", "running-3");
    private static final List<String> CREATED_EXECS = List.of("created-1", "created-2", "created-3");

    HcsTaskContract(Backend backend) {
        super(backend);
    }

    /** Go's setupTestHcsTask on real processes: init running, second exec created. */
    private TaskMXBean setupTestHcsTask() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, longRunning(), SECOND);
        return task;
    }

    @Test
    @DisplayName("Test_hcsTask_ID: the task and its init exec report the id the task was created with")
    void id() {
        TaskMXBean task = hatchway.create(TID, longRunning());

        assertEquals(TID, task.getId());
        assertEquals(TID, task.state("").getId());
        assertEquals(TID, task.state("").getExecId());
        assertEquals(TID, hatchway.exec(TID, "").getId());
        assertEquals(List.of(TID), hatchway.serviceMBean.getTaskIds());
    }

    @Test
    @DisplayName("Test_hcsTask_GetExec_Empty_Success: exec id \"\" addresses the init exec")
    void getExecEmpty() {
        TaskMXBean task = setupTestHcsTask();

        ExecStatus init = task.state("");

        assertEquals(TID, init.getExecId());
        assertEquals("running", init.getStatus());
        assertEquals(task.getPid(), init.getPid());
        assertTrue(hatchway.alive(task, init.getPid()), "the init exec's pid is a live process");
    }

    @Test
    @DisplayName("Test_hcsTask_GetExec_UnknownExecID_Error: an unknown exec id is NotFound")
    void getExecUnknown() {
        TaskMXBean task = setupTestHcsTask();

        String message = assertKind(ErrorKind.NotFound, () -> task.state("shouldnotmatch"));

        assertEquals("NotFound: exec: 'shouldnotmatch' in task: '" + TID + "' not found", message);
    }

    @Test
    @DisplayName("Test_hcsTask_GetExec_2ndID_Success: a second exec is found by its id, created: pid 0, status 255")
    void getExecSecond() {
        TaskMXBean task = setupTestHcsTask();

        ExecStatus second = task.state(SECOND);

        assertEquals(TID, second.getId());
        assertEquals(SECOND, second.getExecId());
        assertEquals("created", second.getStatus());
        assertEquals(0, second.getPid());
        assertEquals(255, second.getExitStatus());
        assertEquals("", second.getExitedAt());
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_UnknownExecID_Error: NotFound, before the 'all' rule, nothing changes")
    void killExecUnknown() {
        TaskMXBean task = setupTestHcsTask();
        TaskFixture.Snapshot before = hatchway.snapshot();

        assertKind(ErrorKind.NotFound, () -> task.killExec("thisshouldnotmatch", SIGTERM, false));
        assertKind(ErrorKind.NotFound, () -> task.killExec("thisshouldnotmatch", SIGTERM, true));

        assertEquals(before, hatchway.snapshot());
        assertEquals("running", status(task, ""));
        assertEquals("created", status(task, SECOND));
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_InitExecID_Unexited2ndExec_Success: signals the init exec only; the"
            + " second exec stays created until the task's teardown exits it with status 1")
    void killExecInitLeavesSecondExecAlone() {
        // An init process that reports SIGTERM and keeps running, so no teardown can touch the
        // second exec while we look at it.
        TaskMXBean task = hatchway.started(TID,
                shell("trap 'echo got-TERM' TERM; echo ready; while :; do sleep 0.1; done"));
        addExecs(task, longRunning(), SECOND);
        hatchway.awaitStdout(TID, "", "ready");

        task.killExec("", SIGTERM, false);

        hatchway.awaitStdout(TID, "", "got-TERM");
        assertEquals("created", status(task, SECOND), "the second exec was not signalled");

        // What a real platform does when the init exec's container goes away.
        task.killExec("", SIGKILL, false);
        assertEquals(128 + SIGKILL, awaitExit(task, "").getExitStatus());
        ExecStatus second = task.state(SECOND);
        assertEquals("exited", second.getStatus());
        assertEquals(1, second.getExitStatus());
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_InitExecID_All_Success: every exec (3 running, 1 created) and then"
            + " the init exec get the signal; all end exited")
    void killExecInitAll() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, RUNNING_EXECS.toArray(String[]::new));
        addExecs(task, longRunning(), SECOND);

        int signal = hatchway.signalEndingInit(backend.userSignal().number()); // a container's init ignores it

        task.killExec("", signal, true);

        assertEquals(backend.exitStatusOf(signal), awaitExit(task, "").getExitStatus());
        for (String execId : RUNNING_EXECS) {
            assertEquals(backend.exitStatusOf(signal), awaitExit(task, execId).getExitStatus(),
                    execId + " got the signal");
        }
        assertEquals("exited", status(task, SECOND));
        assertEquals(1, task.state(SECOND).getExitStatus());
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_InitExecID_All_Success (kill-all reaches every exec, not only the"
            + " first, past the ones it cannot signal): 3 running, 3 created and 2 exited execs, with an init"
            + " process that ignores the signal")
    void killExecInitAllReachesEveryExec() {
        Backend.UserSignal user = backend.userSignal();
        TaskMXBean task = hatchway.started(TID, shell("trap '' " + user.trapName() + "; echo ready; exec " + Bundles.SLEEP
                + " 600"));
        startExecs(task, RUNNING_EXECS.toArray(String[]::new));
        hatchway.awaitStdout(TID, "", "ready");
        addExecs(task, longRunning(), CREATED_EXECS.toArray(String[]::new));
        for (String exited : List.of("exited-1", "exited-2")) { // kill of an exited exec fails: NotFound
            addExecs(task, shell("exit 0"), exited);
            task.start(exited);
            awaitExit(task, exited);
        }

        task.killExec("", user.number(), true);

        for (String execId : CREATED_EXECS) {
            ExecStatus created = task.state(execId);
            assertEquals("exited", created.getStatus(), execId);
            assertEquals(1, created.getExitStatus(), execId);
        }
        for (String execId : RUNNING_EXECS) {
            assertEquals(user.exitStatus(), awaitExit(task, execId).getExitStatus(), execId + " got the signal");
        }
        assertEquals("running", status(task, ""), "the init process ignores the signal");
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_2ndExecID_Success: a created second exec ends exited with status 1")
    void killExecSecondCreated() {
        TaskMXBean task = setupTestHcsTask();

        task.killExec(SECOND, SIGTERM, false);

        ExecStatus second = task.state(SECOND);
        assertEquals("exited", second.getStatus());
        assertEquals(1, second.getExitStatus());
        assertFalse(second.getExitedAt().isEmpty());
        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_2ndExecID_Success (running second exec): it dies of the signal, 143;"
            + " the init exec keeps running")
    void killExecSecondRunning() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);

        task.killExec(SECOND, SIGTERM, false);

        assertEquals(128 + SIGTERM, awaitExit(task, SECOND).getExitStatus());
        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Test_hcsTask_KillExec_2ndExecID_All_Error: 'all' with a non-empty exec id is"
            + " FailedPrecondition, nothing is signalled")
    void killExecSecondAll() {
        TaskMXBean task = setupTestHcsTask();
        TaskFixture.Snapshot before = hatchway.snapshot();

        String message = assertKind(ErrorKind.FailedPrecondition, () -> task.killExec(SECOND, SIGTERM, true));

        assertEquals("FailedPrecondition: cannot signal all for non-empty exec: '" + SECOND + "'", message);
        assertEquals(before, hatchway.snapshot());
        assertEquals("created", status(task, SECOND));
        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_UnknownExecID_Error: NotFound, nothing changes")
    void deleteExecUnknown() {
        TaskMXBean task = setupTestHcsTask();
        TaskFixture.Snapshot before = hatchway.snapshot();

        assertKind(ErrorKind.NotFound, () -> task.deleteExec("thisshouldnotmatch"));

        assertEquals(before, hatchway.snapshot());
        assertEquals("created", status(task, SECOND));
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_CreatedState_Success: a never started task is deleted:"
            + " pid 0, status 0, and it is gone")
    void deleteExecInitCreated() {
        TaskMXBean task = hatchway.create(TID, longRunning());

        DeleteResult deleted = task.deleteExec("");

        assertEquals(0, deleted.getPid());
        assertEquals(0, deleted.getExitStatus());
        Instant.parse(deleted.getExitedAt());
        assertTaskGone();
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_RunningState_Error: FailedPrecondition, the task stays")
    void deleteExecInitRunning() {
        TaskMXBean task = hatchway.started(TID);
        TaskFixture.Snapshot before = hatchway.snapshot();

        String message = assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(""));

        assertEquals("FailedPrecondition: exec: '' in task: '" + TID + "' is in invalid state: 'running' for delete",
                message);
        assertEquals(before, hatchway.snapshot());
        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_ExitedState_Success: returns the init exec's pid, exit"
            + " status and time, and the task is gone")
    void deleteExecInitExited() {
        TaskMXBean task = hatchway.started(TID);
        int signal = hatchway.signalEndingInit(SIGTERM); // a container's init ignores SIGTERM
        task.killExec("", signal, false);
        awaitExit(task, "");
        ExecStatus init = task.state("");

        DeleteResult deleted = task.deleteExec("");

        assertDeleted(init, deleted);
        assertEquals(128 + signal, deleted.getExitStatus());
        assertTaskGone();
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_2ndExec_CreatedState_Error: FailedPrecondition, yet all"
            + " 3 created execs end exited with status 1")
    void deleteExecInitRunningWithCreatedExecs() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, longRunning(), CREATED_EXECS.toArray(String[]::new));

        assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(""));

        for (String execId : CREATED_EXECS) {
            ExecStatus exec = task.state(execId);
            assertEquals("exited", exec.getStatus(), execId);
            assertEquals(1, exec.getExitStatus(), execId);
        }
        assertEquals("running", status(task, ""));
        assertEquals(List.of(TID), hatchway.serviceMBean.getTaskIds());
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_2ndExec_RunningState_Error: FailedPrecondition, yet all"
            + " 3 running execs are killed and end exited with their real status (SIGKILL: 137)")
    void deleteExecInitRunningWithRunningExecs() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, RUNNING_EXECS.toArray(String[]::new));

        assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(""));

        for (String execId : RUNNING_EXECS) {
            assertEquals(128 + SIGKILL, awaitExit(task, execId).getExitStatus(), execId);
        }
        assertEquals("running", status(task, ""));
        assertEquals(List.of(TID), hatchway.serviceMBean.getTaskIds());
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_InitExecID_2ndExec_ExitedState_Success: init and second exited:"
            + " returns the init exec's values, every MBean of the task is gone")
    void deleteExecInitAndSecondExited() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);
        task.killExec(SECOND, SIGTERM, false);
        awaitExit(task, SECOND);
        task.killExec("", hatchway.signalEndingInit(SIGTERM), false);
        awaitExit(task, "");
        ExecStatus init = task.state("");

        DeleteResult deleted = task.deleteExec("");

        assertDeleted(init, deleted);
        assertTaskGone();
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_2ndExecID_CreatedState_Success: pid 0, status 0; the exec is removed")
    void deleteExecSecondCreated() {
        TaskMXBean task = setupTestHcsTask();

        DeleteResult deleted = task.deleteExec(SECOND);

        assertEquals(0, deleted.getPid());
        assertEquals(0, deleted.getExitStatus());
        Instant.parse(deleted.getExitedAt());
        assertExecGone(task, SECOND);
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_2ndExecID_RunningState_Error: FailedPrecondition, the exec stays"
            + " and keeps running")
    void deleteExecSecondRunning() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);
        TaskFixture.Snapshot before = hatchway.snapshot();

        String message = assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(SECOND));

        assertEquals("FailedPrecondition: exec: '" + SECOND + "' in task: '" + TID
                + "' is in invalid state: 'running' for delete", message);
        assertEquals(before, hatchway.snapshot());
        assertEquals("running", status(task, SECOND));
    }

    @Test
    @DisplayName("Test_hcsTask_DeleteExec_2ndExecID_ExitedState_Success: returns the exec's pid, exit status"
            + " and time; the exec is removed")
    void deleteExecSecondExited() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);
        task.killExec(SECOND, SIGTERM, false);
        task.killExec("", hatchway.signalEndingInit(SIGTERM), false);
        awaitExit(task, "");
        ExecStatus second = task.state(SECOND);

        DeleteResult deleted = task.deleteExec(SECOND);

        assertDeleted(second, deleted);
        assertEquals(128 + SIGTERM, deleted.getExitStatus());
        assertExecGone(task, SECOND);
    }

    @Test
    @DisplayName("Deleting a task after kill-all leaves none of its processes alive, children of the init"
            + " exec and of 3 execs included (a container takes them all down)")
    void deleteExecInitLeavesNoProcessOfTheTask() {
        String withChild = Bundles.SLEEP + " 600 & echo ready; wait";
        TaskMXBean task = hatchway.started(TID, shell(withChild));
        addExecs(task, shell(withChild), RUNNING_EXECS.toArray(String[]::new));
        for (String execId : RUNNING_EXECS) {
            task.start(execId);
            hatchway.awaitStdout(TID, execId, "ready");
        }
        hatchway.awaitStdout(TID, "", "ready");
        List<Integer> processes = task.pids().stream().map(ProcessDetails::getProcessId).toList();
        assertEquals(8, processes.size(), "4 shells and their 4 children: " + processes);

        task.killExec("", SIGKILL, true);
        awaitExit(task, "");
        task.deleteExec("");

        TaskFixture.eventually("every process of the deleted task ends")
                .until(() -> processes.stream().noneMatch(TaskFixture::isRunning));
    }

    @Test
    @DisplayName("Deleting a task whose teardown outlasts the bound is DeadlineExceeded 'waiting for container"
            + " resource cleanup' and leaves the task; once torn down it is deleted")
    void deleteExecInitTeardownIsBounded() {
        hatchway.close(); // this test needs a short teardown bound and a long shutdown
        Timeouts slowShutdown = new Timeouts(Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1));
        hatchway = new TaskFixture(backend, tempDir.resolve("slow"), slowShutdown);
        // The init process's child ignores SIGTERM, so the teardown waits out the shutdown bound.
        Path bundle = hatchway.bundle(TID, shell("(trap '' TERM; exec " + Bundles.SLEEP + " 600) & echo ready; wait"));
        if (backend.initIsPidOne()) {
            // In a pid namespace of its own the child would die with its init: the container shares the host's.
            BusyboxBundle.shareHostPidNamespace(bundle);
        }
        TaskMXBean task = hatchway.create(TID, bundle);
        task.start("");
        hatchway.awaitStdout(TID, "", "ready");
        task.killExec("", SIGKILL, false);
        hatchway.exec(TID, "").waitFor(TaskFixture.WAIT_MILLIS); // the init process, not the teardown

        String message = assertKind(ErrorKind.DeadlineExceeded, () -> task.deleteExec(""));

        assertEquals("DeadlineExceeded: waiting for container resource cleanup", message);
        assertEquals(List.of(TID), hatchway.serviceMBean.getTaskIds());
        task.waitExec("", TaskFixture.WAIT_MILLIS);
        assertEquals(128 + SIGKILL, task.deleteExec("").getExitStatus());
    }

    // Beyond the Go cases: the rest of CONTRACT.md's exec state table and createExec's rules.

    @Test
    @DisplayName("start of a running or exited exec is FailedPrecondition naming the state")
    void startOnlyFromCreated() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);

        assertEquals("FailedPrecondition: exec: '" + SECOND + "' in task: '" + TID
                + "' is in invalid state: 'running' for start", assertKind(ErrorKind.FailedPrecondition,
                        () -> task.start(SECOND)));
        assertEquals("FailedPrecondition: exec: '' in task: '" + TID + "' is in invalid state: 'running' for start",
                assertKind(ErrorKind.FailedPrecondition, () -> task.start("")));
        task.killExec(SECOND, SIGTERM, false);
        awaitExit(task, SECOND);
        assertEquals("FailedPrecondition: exec: '" + SECOND + "' in task: '" + TID
                + "' is in invalid state: 'exited' for start", assertKind(ErrorKind.FailedPrecondition,
                        () -> task.start(SECOND)));
    }

    @Test
    @DisplayName("kill of an exited exec is NotFound")
    void killExited() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, SECOND);
        task.killExec(SECOND, SIGTERM, false);
        awaitExit(task, SECOND);

        assertEquals("NotFound: exec: '" + SECOND + "' in task: '" + TID + "' not found",
                assertKind(ErrorKind.NotFound, () -> task.killExec(SECOND, SIGTERM, false)));
        assertEquals(128 + SIGTERM, task.state(SECOND).getExitStatus());
    }

    @Test
    @DisplayName("createExec needs a running init exec: FailedPrecondition while it is created or exited")
    void createExecNeedsRunningInit() {
        TaskMXBean task = hatchway.create(TID, longRunning());
        String expected = "FailedPrecondition: exec: '' in task: '" + TID
                + "' must be running to create additional execs";

        assertEquals(expected, assertKind(ErrorKind.FailedPrecondition,
                () -> task.createExec(SECOND, Bundles.process(longRunning()))));
        task.killExec("", SIGTERM, false);
        awaitExit(task, "");
        assertEquals(expected, assertKind(ErrorKind.FailedPrecondition,
                () -> task.createExec(SECOND, Bundles.process(longRunning()))));
        assertEquals(List.of(), task.getExecIds());
    }

    @Test
    @DisplayName("createExec stores the exec created, not started, and registers its Exec MBean")
    void createExecStoresCreated() {
        TaskMXBean task = hatchway.started(TID);
        Set<Long> before = TaskFixture.testProcesses();

        task.createExec(SECOND, Bundles.process(longRunning()));

        assertEquals(List.of(SECOND), task.getExecIds());
        assertEquals("created", hatchway.exec(TID, SECOND).getState());
        assertEquals(before, TaskFixture.testProcesses(), "no process is started");
    }

    /** Go's verifyDeleteSuccessValues: the delete returns what the exited exec reported. */
    private static void assertDeleted(ExecStatus exited, DeleteResult deleted) {
        assertEquals("exited", exited.getStatus());
        assertTrue(exited.getPid() > 0, "a started exec has a pid");
        assertEquals(exited.getPid(), deleted.getPid());
        assertEquals(exited.getExitStatus(), deleted.getExitStatus());
        assertEquals(exited.getExitedAt(), deleted.getExitedAt());
    }

    private void assertTaskGone() {
        assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
        assertEquals(Set.of(TaskService.NAME), hatchway.hatchwayMBeans());
        assertKind(ErrorKind.NotFound, () -> hatchway.service.task(TID));
        assertFalse(Files.exists(hatchway.stateDir.resolve("tasks").resolve(TID)), "the task's state is removed");
    }

    private void assertExecGone(TaskMXBean task, String execId) {
        assertKind(ErrorKind.NotFound, () -> task.state(execId));
        assertEquals(List.of(), task.getExecIds());
        assertFalse(hatchway.server.isRegistered(TaskService.execName(TID, execId)), "Exec MBean unregistered");
        assertFalse(Files.exists(hatchway.stateDir.resolve("tasks").resolve(TID).resolve(execId)),
                "the exec's state is removed");
    }

    @Test
    @DisplayName("With its state directory removed, a running task is still killed by killExec(all), reports "
            + "its exits and is deleted, leaving nothing")
    void stateDirRemovedUnderARunningTask() {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, "running-1");
        ExecFiles.deleteTree(hatchway.stateDir);
        assertFalse(Files.exists(hatchway.stateDir));

        task.killExec("", SIGKILL, true);

        assertEquals(128 + SIGKILL, awaitExit(task, "running-1").getExitStatus());
        assertEquals(128 + SIGKILL, awaitExit(task, "").getExitStatus());
        task.deleteExec("running-1");
        assertEquals(128 + SIGKILL, task.deleteExec("").getExitStatus());
        assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
    }
}
