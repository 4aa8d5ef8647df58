package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.SIGTERM;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.InstanceNotFoundException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * hcsshim's {@code service_internal_taskshim_test.go}: the service-level matrix of each task
 * operation for no task, a wrong exec id, the init exec and a second exec, against real processes
 * (host processes or containers). The Go service takes a task id in every request; here a caller reaches a task as
 * a JMX client through its MBean, or in-process through {@link TaskService#task}. "No task"
 * therefore means three things a caller can hold, all checked: an id the service does not know
 * (NotFound), the MBean name of a deleted task (not registered), and the {@link Task} object of a
 * deleted task (NotFound on every call).
 *
 * <p>Not ported: pause, resume, checkpoint and update have no counterpart in SPEC.md's surface.
 */
abstract class TaskShimContract extends BackendContract {
    private static final String TID = "task-shim";
    private static final String SECOND = "second";
    private static final String GONE = "gone";

    TaskShimContract(Backend backend) {
        super(backend);
    }

    /** Go's setupTaskServiceWithFakes on real processes: init running, second exec created. */
    private TaskMXBean setupTask() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, longRunning(), SECOND);
        return task;
    }

    /** One task operation, called the same way on a JMX proxy and on the Java object. */
    @FunctionalInterface
    interface TaskCall {
        void on(TaskMXBean task) throws Exception;
    }

    /** The NoTask_Error cases: every way of reaching a task that does not exist fails. */
    private void assertNoTask(TaskCall call) throws Exception {
        TaskMXBean jmx = hatchway.create(GONE, longRunning());
        TaskMXBean java = new TaskMBean(hatchway.service.task(GONE)); // the object, not through JMX
        jmx.deleteExec("");

        assertKind(ErrorKind.NotFound, () -> hatchway.service.task(GONE));
        UndeclaredThrowableException unregistered = assertThrows(UndeclaredThrowableException.class,
                () -> call.on(jmx));
        assertInstanceOf(InstanceNotFoundException.class, unregistered.getCause());
        String message = assertKind(ErrorKind.NotFound, () -> call.on(java));
        assertEquals("NotFound: task with id: '" + GONE + "' not found", message);
    }

    // getTask

    @Test
    @DisplayName("Test_TaskShim_getTask_NotCreated_Error: a service without tasks has none to give")
    void getTaskNotCreated() {
        String message = assertKind(ErrorKind.NotFound, () -> hatchway.service.task(TID));

        assertEquals("NotFound: task with id: '" + TID + "' not found", message);
        assertFalse(hatchway.server.isRegistered(TaskService.taskName(TID)));
    }

    @Test
    @DisplayName("Test_TaskShim_getTask_Created_DifferentID_Error: another id is NotFound")
    void getTaskDifferentId() {
        setupTask();

        assertKind(ErrorKind.NotFound, () -> hatchway.service.task("thisidwontmatch"));
        assertFalse(hatchway.server.isRegistered(TaskService.taskName("thisidwontmatch")));
    }

    @Test
    @DisplayName("Test_TaskShim_getTask_Created_CorrectID_Success: the task is found by its id, in-process"
            + " and as an MBean")
    void getTaskCorrectId() {
        setupTask();

        Task task = hatchway.service.task(TID);

        assertEquals(TID, task.getId());
        assertSame(task, hatchway.service.task(TID));
        assertTrue(hatchway.server.isRegistered(TaskService.taskName(TID)));
        assertEquals(List.of(TID), hatchway.serviceMBean.getTaskIds());
    }

    // state

    @Test
    @DisplayName("Test_TaskShim_stateInternal_NoTask_Error")
    void stateNoTask() throws Exception {
        assertNoTask(task -> task.state(""));
    }

    @Test
    @DisplayName("Test_TaskShim_stateInternal_InitTaskID_DifferentExecID_Error")
    void stateDifferentExecId() {
        TaskMXBean task = setupTask();

        assertKind(ErrorKind.NotFound, () -> task.state("thisshouldnotmatch"));
    }

    @Test
    @DisplayName("Test_TaskShim_stateInternal_InitTaskID_InitExecID_Success: ID and ExecID are the task id,"
            + " the pid is the init process's")
    void stateInitExec() {
        TaskMXBean task = hatchway.create(TID, longRunning());
        int pid = task.start("");

        ExecStatus state = task.state("");

        assertEquals(TID, state.getId());
        assertEquals(TID, state.getExecId());
        assertEquals(pid, state.getPid());
        assertEquals("running", state.getStatus());
        assertEquals(hatchway.bundleDir(TID).toString(), state.getBundle());
    }

    @Test
    @DisplayName("Test_TaskShim_stateInternal_InitTaskID_2ndExecID_Success: ID is the task id, ExecID and pid"
            + " the second exec's")
    void stateSecondExec() {
        TaskMXBean task = setupTask();
        int pid = task.start(SECOND);

        ExecStatus state = task.state(SECOND);

        assertEquals(TID, state.getId());
        assertEquals(SECOND, state.getExecId());
        assertEquals(pid, state.getPid());
        assertEquals("running", state.getStatus());
    }

    // start

    @Test
    @DisplayName("Test_TaskShim_startInternal_NoTask_Error")
    void startNoTask() throws Exception {
        assertNoTask(task -> task.start(""));
    }

    @Test
    @DisplayName("Test_TaskShim_startInternal_ValidTask_DifferentExecID_Error")
    void startDifferentExecId() {
        TaskMXBean task = setupTask();
        TaskFixture.Snapshot before = hatchway.snapshot();

        assertKind(ErrorKind.NotFound, () -> task.start("thisshouldnotmatch"));

        assertEquals(before, hatchway.snapshot());
    }

    @Test
    @DisplayName("Test_TaskShim_startInternal_InitTaskID_InitExecID_Success: returns the pid of a live init"
            + " process")
    void startInitExec() {
        TaskMXBean task = hatchway.create(TID, longRunning());

        int pid = task.start("");

        assertEquals(task.state("").getPid(), pid);
        assertTrue(hatchway.alive(task, pid));
        assertEquals(pid, task.getPid());
    }

    @Test
    @DisplayName("Test_TaskShim_startInternal_InitTaskID_2ndExecID_Success: returns the pid of a live second"
            + " process")
    void startSecondExec() {
        TaskMXBean task = setupTask();

        int pid = task.start(SECOND);

        assertEquals(task.state(SECOND).getPid(), pid);
        assertTrue(hatchway.alive(task, pid));
        assertTrue(pid != task.getPid());
    }

    // delete

    @Test
    @DisplayName("Test_TaskShim_deleteInternal_NoTask_Error")
    void deleteNoTask() throws Exception {
        assertNoTask(task -> task.deleteExec(""));
    }

    @Test
    @DisplayName("Test_TaskShim_deleteInternal_ValidTask_DifferentExecID_Error")
    void deleteDifferentExecId() {
        TaskMXBean task = setupTask();
        TaskFixture.Snapshot before = hatchway.snapshot();

        assertKind(ErrorKind.NotFound, () -> task.deleteExec("thisshouldnotmatch"));

        assertEquals(before, hatchway.snapshot());
    }

    @Test
    @DisplayName("Test_TaskShim_deleteInternal_InitTaskID_InitExecID_Success: returns the init pid")
    void deleteInitExec() {
        TaskMXBean task = hatchway.create(TID, longRunning());
        int pid = task.start("");
        task.killExec("", hatchway.signalEndingInit(SIGTERM), false);
        awaitExit(task, "");

        DeleteResult deleted = task.deleteExec("");

        assertEquals(pid, deleted.getPid());
        assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
    }

    @Test
    @DisplayName("Test_TaskShim_deleteInternal_InitTaskID_2ndExecID_Success: returns the second pid and"
            + " removes the exec")
    void deleteSecondExec() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("exit 0"), SECOND);
        int pid = task.start(SECOND);
        awaitExit(task, SECOND);

        DeleteResult deleted = task.deleteExec(SECOND);

        assertEquals(pid, deleted.getPid());
        assertEquals(List.of(), task.getExecIds());
        assertKind(ErrorKind.NotFound, () -> task.state(SECOND));
    }

    // pids

    @Test
    @DisplayName("Test_TaskShim_pidsInternal_NoTask_Error")
    void pidsNoTask() throws Exception {
        assertNoTask(TaskMXBean::pids);
    }

    @Test
    @DisplayName("Test_TaskShim_pidsInternal_InitTaskID_Success: two processes, the init one named by the"
            + " task id, the second by its exec id, each with its details")
    void pidsInitTask() {
        TaskMXBean task = setupTask();
        int second = task.start(SECOND);

        List<ProcessDetails> processes = task.pids();

        Map<Integer, String> execIds = processes.stream()
                .collect(Collectors.toMap(ProcessDetails::getProcessId, ProcessDetails::getExecId));
        assertEquals(Map.of(task.getPid(), TID, second, SECOND), execIds);
        backend.assumeHostSeesProcesses(); // what follows are details only the host knows
        for (ProcessDetails process : processes) {
            assertEquals(backend.imageName("sleep"), process.getImageName());
            Instant.parse(process.getCreatedAt());
            assertTrue(process.getMemoryCommitBytes() > 0, process::toString);
        }
    }

    // kill

    @Test
    @DisplayName("Test_TaskShim_killInternal_NoTask_Error")
    void killNoTask() throws Exception {
        assertNoTask(task -> task.killExec("", SIGTERM, false));
    }

    @Test
    @DisplayName("Test_TaskShim_killInternal_InitTaskID_DifferentExecID_Error")
    void killDifferentExecId() {
        TaskMXBean task = setupTask();

        assertKind(ErrorKind.NotFound, () -> task.killExec("thisshouldnotmatch", SIGTERM, false));
    }

    @Test
    @DisplayName("Test_TaskShim_killInternal_InitTaskID_InitExecID_Success: the init process dies of the signal")
    void killInitExec() {
        TaskMXBean task = setupTask();

        task.killExec("", SIGTERM, false);

        if (backend.initIsPidOne()) {
            // A container's init is pid 1: SIGTERM, for which it has no handler, is delivered and ignored.
            TaskFixture.assertStillRunning(task, "");
            task.killExec("", SIGKILL, false);
            assertEquals(128 + SIGKILL, awaitExit(task, "").getExitStatus());
            return;
        }
        assertEquals(128 + SIGTERM, awaitExit(task, "").getExitStatus());
    }

    @Test
    @DisplayName("Test_TaskShim_killInternal_InitTaskID_2ndExecID_Success: the second process dies of the"
            + " signal")
    void killSecondExec() {
        TaskMXBean task = setupTask();
        task.start(SECOND);

        task.killExec(SECOND, SIGTERM, false);

        assertEquals(128 + SIGTERM, awaitExit(task, SECOND).getExitStatus());
        assertEquals("running", status(task, ""));
    }

    // resizePty

    @Test
    @DisplayName("Test_TaskShim_resizePtyInternal_NoTask_Error")
    void resizePtyNoTask() throws Exception {
        assertNoTask(task -> task.resizePty("", 80, 24));
    }

    @Test
    @DisplayName("Test_TaskShim_resizePtyInternal_InitTaskID_DifferentExecID_Error")
    void resizePtyDifferentExecId() {
        TaskMXBean task = setupTask();

        assertKind(ErrorKind.NotFound, () -> task.resizePty("thisshouldnotmatch", 80, 24));
    }

    @Test
    @DisplayName("Test_TaskShim_resizePtyInternal_InitTaskID_InitExecID_Success, on an exec without a tty:"
            + " FailedPrecondition 'is not a tty' (hcsExec.ResizePty; the Go fake accepts any resize)")
    void resizePtyInitExec() {
        TaskMXBean task = setupTask();

        String message = assertKind(ErrorKind.FailedPrecondition, () -> task.resizePty("", 80, 24));

        assertEquals("FailedPrecondition: exec: '' in task: '" + TID + "' is not a tty", message);
    }

    @Test
    @DisplayName("Test_TaskShim_resizePtyInternal_InitTaskID_2ndExecID_Success, on an exec without a tty:"
            + " FailedPrecondition 'is not a tty'")
    void resizePtySecondExec() {
        TaskMXBean task = setupTask();

        String message = assertKind(ErrorKind.FailedPrecondition, () -> task.resizePty(SECOND, 80, 24));

        assertEquals("FailedPrecondition: exec: '" + SECOND + "' in task: '" + TID + "' is not a tty", message);
    }

    // closeIO

    @Test
    @DisplayName("Test_TaskShim_closeIOInternal_NoTask_Error")
    void closeIONoTask() throws Exception {
        assertNoTask(task -> task.closeIO("", true));
    }

    @Test
    @DisplayName("Test_TaskShim_closeIOInternal_InitTaskID_DifferentExecID_Error")
    void closeIODifferentExecId() {
        TaskMXBean task = setupTask();

        assertKind(ErrorKind.NotFound, () -> task.closeIO("thisshouldnotmatch", true));
    }

    @Test
    @DisplayName("Test_TaskShim_closeIOInternal_InitTaskID_InitExecID_Success: succeeds, again and again")
    void closeIOInitExec() {
        TaskMXBean task = setupTask();

        task.closeIO("", true);
        task.closeIO("", true);

        assertEquals("running", status(task, ""));
    }

    @Test
    @DisplayName("Test_TaskShim_closeIOInternal_InitTaskID_2ndExecID_Success: succeeds when created, running"
            + " and exited")
    void closeIOSecondExec() {
        TaskMXBean task = setupTask();

        task.closeIO(SECOND, true);
        task.start(SECOND);
        task.closeIO(SECOND, true);
        task.killExec(SECOND, SIGTERM, false);
        awaitExit(task, SECOND);
        task.closeIO(SECOND, true);

        assertEquals("exited", status(task, SECOND));
    }

    // wait

    @Test
    @DisplayName("Test_TaskShim_waitInternal_NoTask_Error")
    void waitNoTask() throws Exception {
        assertNoTask(task -> task.waitExec("", WAIT_MILLIS));
    }

    @Test
    @DisplayName("Test_TaskShim_waitInternal_InitTaskID_DifferentExecID_Error")
    void waitDifferentExecId() {
        TaskMXBean task = setupTask();

        assertKind(ErrorKind.NotFound, () -> task.waitExec("thisshouldnotmatch", WAIT_MILLIS));
    }

    @Test
    @DisplayName("Test_TaskShim_waitInternal_InitTaskID_InitExecID_Success: returns the init exec's exit"
            + " status and time")
    void waitInitExec() {
        TaskMXBean task = hatchway.started(TID, shell("exit 7"));

        ExitStatus exit = task.waitExec("", WAIT_MILLIS);

        assertEquals(7, exit.getExitStatus());
        assertEquals(task.state("").getExitStatus(), exit.getExitStatus());
        assertEquals(task.state("").getExitedAt(), exit.getExitedAt());
    }

    @Test
    @DisplayName("Test_TaskShim_waitInternal_InitTaskID_2ndExecID_Success: returns the second exec's exit"
            + " status and time")
    void waitSecondExec() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("exit 5"), SECOND);
        task.start(SECOND);

        ExitStatus exit = task.waitExec(SECOND, WAIT_MILLIS);

        assertEquals(5, exit.getExitStatus());
        assertEquals(task.state(SECOND).getExitStatus(), exit.getExitStatus());
        assertEquals(task.state(SECOND).getExitedAt(), exit.getExitedAt());
        assertEquals("running", status(task, ""));
    }

    // stats

    @Test
    @DisplayName("Test_TaskShim_statsInternal (no task): NotFound")
    void statsNoTask() throws Exception {
        assertNoTask(TaskMXBean::stats);
    }

    @Test
    @DisplayName("Test_TaskShim_statsInternal_InitTaskID_Success: real figures of both processes; no host"
            + " figures for a task that is not isolated")
    void statsInitTask() {
        TaskMXBean task = setupTask();
        task.start(SECOND);

        TaskStatistics stats = task.stats();

        Statistics container = stats.getContainer();
        assertEquals(2, container.getPidsCurrent());
        assertTrue(container.getMemoryUsageBytes() > 0);
        Instant.parse(container.getTimestamp());
        if (backend.isolated()) { // CONTRACT.md: an isolated task that owns its host adds the host's figures
            assertTrue(stats.getHost().getMemoryUsageBytes() > 0, "the host's figures");
        } else {
            assertNull(stats.getHost());
        }
    }

    @Test
    @DisplayName("The Task MBean's chart attributes show the live figures, and 0 once nothing runs")
    void chartAttributes() {
        TaskMXBean task = setupTask();
        task.start(SECOND);

        assertEquals(2, task.getProcessCount());
        assertTrue(task.getMemoryBytes() > 0);
        assertTrue(task.getCpuTime100ns() >= 0);
        assertEquals("running", task.getStatus());

        task.killExec("", hatchway.signalEndingInit(SIGTERM), true);
        awaitExit(task, "");
        assertEquals(0, task.getProcessCount());
        assertEquals(0, task.getMemoryBytes());
        assertEquals(0, task.getCpuTime100ns());
        assertEquals("exited", task.getStatus());
    }

    @Test
    @DisplayName("statsInternal and pidsInternal once the task's processes are gone: NotFound 'failed to"
            + " fetch ...', never zeros that look valid")
    void statsAndPidsAfterTeardown() {
        TaskMXBean task = setupTask();
        task.killExec("", hatchway.signalEndingInit(SIGTERM), true);
        awaitExit(task, "");

        assertTrue(assertKind(ErrorKind.NotFound, task::stats).startsWith("NotFound: failed to fetch stats: "));
        assertTrue(assertKind(ErrorKind.NotFound, task::pids).startsWith("NotFound: failed to fetch pids: "));
    }

    @Test
    @DisplayName("stats and pids while the task stops: real figures or NotFound 'failed to fetch ...', never"
            + " a success with all zeros or no process")
    void statsAndPidsWhileTheTaskStops() throws Exception {
        int rounds = backend.facts.stopRounds();
        ExecutorService sampler = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < rounds; round++) {
                String taskId = TID + "-" + round;
                TaskMXBean task = hatchway.started(taskId);
                startExecs(task, SECOND);
                CountDownLatch sampling = new CountDownLatch(1);
                Future<List<String>> samples = sampler.submit(() -> sampleUntilNotFound(task, sampling));
                sampling.await();
                task.killExec("", hatchway.signalEndingInit(SIGKILL), true);
                awaitExit(task, "");
                List<String> empty = samples.get(WAIT_MILLIS * 2, TimeUnit.MILLISECONDS);
                assertEquals(List.of(), empty, "round " + round + ": answers of nothing while the task stopped");
                task.deleteExec("");
            }
        } finally {
            sampler.shutdownNow();
        }
    }

    /** Calls stats and pids in turn until both are NotFound (bounded); returns the empty successes. */
    private static List<String> sampleUntilNotFound(TaskMXBean task, CountDownLatch sampling) {
        List<String> empty = new ArrayList<>();
        boolean statsGone = false;
        boolean pidsGone = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        sampling.countDown();
        while (!(statsGone && pidsGone) && System.nanoTime() < deadline) {
            try {
                Statistics figures = task.stats().getContainer();
                if (figures.getPidsCurrent() == 0 && figures.getMemoryUsageBytes() == 0
                        && figures.getCpuTotal100ns() == 0) {
                    empty.add("stats all zeros at " + figures.getTimestamp());
                }
            } catch (NoSuchElementException e) {
                assertTrue(e.getMessage().startsWith("NotFound: failed to fetch stats: "), e::getMessage);
                statsGone = true;
            }
            try {
                if (task.pids().isEmpty()) {
                    empty.add("pids empty");
                }
            } catch (NoSuchElementException e) {
                assertTrue(e.getMessage().startsWith("NotFound: failed to fetch pids: "), e::getMessage);
                pidsGone = true;
            }
        }
        return empty;
    }

    // shutdown

    @Test
    @DisplayName("Test_TaskShim_shutdownInternal: TaskService.close() unregisters every Hatchway MBean and"
            + " stops every hatchway-* thread")
    void shutdown() {
        TaskMXBean deleted = setupTask();
        startExecs(deleted, "third");
        TaskFixture.delete(deleted);
        TaskMXBean exited = hatchway.started("exited-not-deleted"); // its MBeans are still registered
        exited.killExec("", TaskFixture.SIGKILL, true);
        awaitExit(exited, "");
        assertFalse(TaskFixture.hatchwayThreads().isEmpty(), "Hatchway runs threads while open");
        assertEquals(3, hatchway.hatchwayMBeans().size(), "service, task and init exec MBeans");

        hatchway.service.close();

        assertEquals(Set.of(), hatchway.hatchwayMBeans());
        TaskFixture.awaitNoHatchwayThread();
    }
}
