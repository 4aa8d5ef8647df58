package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hatchway.hcs.ErrorKind;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.management.InstanceNotFoundException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two threads racing on the same exec through JMX. Whichever wins, the pair of results must be one
 * that some serial order of the two calls gives, the state must match it, and neither call may hang
 * (every join is bounded: a timeout is reported as a deadlock with the threads' stacks).
 */
abstract class RaceContract extends BackendContract {
    private static final String TID = "race";
    private static final int ROUNDS = 5;
    private static final String EXEC = "reused";

    /** Rounds of the id-reuse loops ({@link Backend.Facts#reuseRounds}). */
    private int reuseRounds() {
        return backend.facts.reuseRounds();
    }

    RaceContract(Backend backend) {
        super(backend);
    }

    /** What one racing call returned or threw. */
    record Outcome(Object value, RuntimeException error) {
        boolean ok() {
            return error == null;
        }

        /**
         * The failure's kind. A call that reached the MBean after a racing delete unregistered it
         * fails in JMX ({@link InstanceNotFoundException}): for the caller, the task was not found.
         */
        ErrorKind kind() {
            if (error instanceof UndeclaredThrowableException e && e.getCause() instanceof InstanceNotFoundException) {
                return ErrorKind.NotFound;
            }
            String message = String.valueOf(error.getMessage());
            return ErrorKind.valueOf(message.substring(0, Math.max(0, message.indexOf(':'))));
        }
    }

    /** Runs both calls at once, each on its own thread, and joins them with a bound. */
    private static List<Outcome> race(Callable<?> first, Callable<?> second) {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CyclicBarrier start = new CyclicBarrier(2);
        try {
            Future<Outcome> a = threads.submit(() -> attempt(start, first));
            Future<Outcome> b = threads.submit(() -> attempt(start, second));
            return List.of(join(a), join(b));
        } finally {
            threads.shutdownNow();
        }
    }

    private static Outcome attempt(CyclicBarrier start, Callable<?> call) throws Exception {
        start.await();
        try {
            return new Outcome(call.call(), null);
        } catch (RuntimeException e) {
            return new Outcome(null, e);
        }
    }

    private static Outcome join(Future<Outcome> call) {
        try {
            return call.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            String stacks = Thread.getAllStackTraces().entrySet().stream()
                    .map(t -> t.getKey().getName() + "\n  " + java.util.Arrays.stream(t.getValue())
                            .map(Object::toString).collect(Collectors.joining("\n  ")))
                    .collect(Collectors.joining("\n"));
            return fail("deadlock: a racing call did not return within " + WAIT_MILLIS + " ms\n" + stacks);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertFailed(Outcome outcome, ErrorKind... allowed) {
        assertTrue(!outcome.ok() && Set.of(allowed).contains(outcome.kind()),
                () -> "expected one of " + List.of(allowed) + ", got " + outcome);
    }

    @Test
    @DisplayName("start vs kill on a created exec: started and killed (137), or exited with 1 and never started")
    void startVersusKill() {
        TaskMXBean task = hatchway.started(TID);
        Set<Long> initOnly = TaskFixture.testProcesses();
        for (int round = 0; round < ROUNDS; round++) {
            String execId = "exec-" + round;
            addExecs(task, longRunning(), execId);

            List<Outcome> outcomes = race(() -> task.start(execId), () -> {
                task.killExec(execId, SIGKILL, false);
                return null;
            });

            Outcome start = outcomes.get(0);
            assertTrue(outcomes.get(1).ok(), () -> "kill of a created or running exec succeeds: " + outcomes);
            ExitStatus exit = awaitExit(task, execId);
            if (start.ok()) {
                assertEquals(128 + SIGKILL, exit.getExitStatus(), "started, then killed");
                assertEquals(start.value(), task.state(execId).getPid());
            } else {
                assertFailed(start, ErrorKind.FailedPrecondition);
                assertEquals(1, exit.getExitStatus(), "killed while created");
                assertEquals(0, task.state(execId).getPid());
            }
        }
        assertEquals(initOnly, TaskFixture.testProcesses());
    }

    @Test
    @DisplayName("start vs delete on a created exec: exactly one succeeds, and the exec is running or gone")
    void startVersusDelete() {
        TaskMXBean task = hatchway.started(TID);
        Set<Long> initOnly = TaskFixture.testProcesses();
        for (int round = 0; round < ROUNDS; round++) {
            String execId = "exec-" + round;
            addExecs(task, longRunning(), execId);

            List<Outcome> outcomes = race(() -> task.start(execId), () -> task.deleteExec(execId));

            Outcome start = outcomes.get(0);
            Outcome delete = outcomes.get(1);
            assertNotEquals(start.ok(), delete.ok(), () -> "exactly one wins: " + outcomes);
            if (start.ok()) {
                assertFailed(delete, ErrorKind.FailedPrecondition);
                assertEquals("running", status(task, execId));
                task.killExec(execId, SIGKILL, false);
                awaitExit(task, execId);
            } else {
                assertFailed(start, ErrorKind.FailedPrecondition, ErrorKind.NotFound);
                assertEquals(0, ((DeleteResult) delete.value()).getExitStatus());
                assertKind(ErrorKind.NotFound, () -> task.state(execId));
            }
            assertEquals(initOnly, TaskFixture.testProcesses());
        }
    }

    @Test
    @DisplayName("start vs delete on a created task's init exec: the task runs, or it is gone with no process")
    void startVersusDeleteOfTheTask() {
        for (int round = 0; round < ROUNDS; round++) {
            String taskId = TID + "-" + round;
            TaskMXBean task = hatchway.create(taskId, longRunning());

            List<Outcome> outcomes = race(() -> task.start(""), () -> task.deleteExec(""));

            Outcome start = outcomes.get(0);
            Outcome delete = outcomes.get(1);
            assertNotEquals(start.ok(), delete.ok(), () -> "exactly one wins: " + outcomes);
            if (start.ok()) {
                assertFailed(delete, ErrorKind.FailedPrecondition);
                assertEquals("running", status(task, ""));
                TaskFixture.delete(task);
            } else {
                assertFailed(start, ErrorKind.FailedPrecondition, ErrorKind.NotFound);
                assertEquals(0, ((DeleteResult) delete.value()).getPid());
            }
            assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
            assertEquals(Set.of(), TaskFixture.testProcesses());
        }
    }

    @Test
    @DisplayName("delete vs delete of an exited task: one succeeds, the other is NotFound; one delete event")
    void deleteVersusDelete() {
        EventLog events = EventLog.subscribe(hatchway.server, TaskService.NAME);
        for (int round = 0; round < ROUNDS; round++) {
            String taskId = TID + "-" + round;
            TaskMXBean task = hatchway.started(taskId);
            task.killExec("", SIGKILL, false);
            awaitExit(task, "");

            List<Outcome> outcomes = race(() -> task.deleteExec(""), () -> task.deleteExec(""));

            assertEquals(1, outcomes.stream().filter(Outcome::ok).count(), outcomes::toString);
            assertFailed(outcomes.get(outcomes.get(0).ok() ? 1 : 0), ErrorKind.NotFound);
            assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
        }
        assertEquals(ROUNDS, events.types().stream().filter("hatchway.task.delete"::equals).count());
    }

    @Test
    @DisplayName("kill-all vs delete of the init exec with 3 running execs: no deadlock, everything ends"
            + " exited, the task is deleted by the race or after it")
    void killAllVersusDeleteOfTheTask() {
        for (int round = 0; round < ROUNDS; round++) {
            String taskId = TID + "-" + round;
            TaskMXBean task = hatchway.started(taskId);
            startExecs(task, "exec-1", "exec-2", "exec-3");

            List<Outcome> outcomes = race(() -> {
                task.killExec("", SIGKILL, true);
                return null;
            }, () -> task.deleteExec(""));

            assertTrue(outcomes.get(0).ok(), () -> "kill-all of a running task succeeds: " + outcomes);
            Outcome delete = outcomes.get(1);
            if (!delete.ok()) {
                assertFailed(delete, ErrorKind.FailedPrecondition);
                for (String execId : task.getExecIds()) {
                    assertEquals(128 + SIGKILL, awaitExit(task, execId).getExitStatus(), execId);
                }
                assertEquals(128 + SIGKILL, task.waitExec("", WAIT_MILLIS).getExitStatus());
                task.deleteExec("");
            }
            assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
            assertEquals(Set.of(), TaskFixture.testProcesses());
        }
    }

    /**
     * A second client that waits, bounded, until {@code gone} says the id is free, and then reuses
     * it at once with {@code create}: the moment a delete frees an id is the moment a client that
     * polls for it (or reacts to the delete event) takes it again.
     */
    private static Future<Void> reuseWhenGone(ExecutorService client, Callable<Boolean> gone, Callable<?> create) {
        return client.submit(() -> {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (!gone.call()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the id was not freed within " + WAIT_MILLIS + " ms");
                }
            }
            create.call();
            return null;
        });
    }

    private static void joinClient(Future<Void> client, int round) {
        try {
            client.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("round " + round + ": reusing the id the moment it was free failed: "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("round " + round + ": the reusing client did not finish", e);
        }
    }

    private static boolean notFound(Callable<?> call) throws Exception {
        try {
            call.call();
            return false;
        } catch (NoSuchElementException e) {
            return true;
        } catch (UndeclaredThrowableException e) {
            if (e.getCause() instanceof InstanceNotFoundException) {
                return true;
            }
            throw e;
        }
    }

    @Test
    @DisplayName("An exec id reused the moment its delete frees it: every round's exec runs, keeps its own"
            + " output, and its events come in CONTRACT.md's order")
    void execIdReusedTheMomentItIsFree() {
        backend.assumeStdio();
        TaskMXBean task = hatchway.started(TID);
        EventLog events = EventLog.subscribe(hatchway.server, TaskService.taskName(TID));
        int rounds = reuseRounds();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            task.createExec(EXEC, Bundles.process(shell("echo round-0")));
            for (int round = 0; round < rounds; round++) {
                int r = round;
                assertEquals("created", status(task, EXEC), "round " + r);
                task.start(EXEC);
                assertEquals(0, awaitExit(task, EXEC).getExitStatus(), "round " + r);
                assertEquals("round-" + r + "\n", hatchway.exec(TID, EXEC).getStdout(), "round " + r + "'s output");
                Future<Void> reuse = reuseWhenGone(client, () -> notFound(() -> task.state(EXEC)),
                        () -> {
                            task.createExec(EXEC, Bundles.process(shell("echo round-" + (r + 1))));
                            return null;
                        });
                assertEquals(0, task.deleteExec(EXEC).getExitStatus(), "round " + r);
                joinClient(reuse, r);
            }
            task.deleteExec(EXEC);
        } finally {
            client.shutdownNow();
        }
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            expected.addAll(List.of("hatchway.task.exec-added", "hatchway.task.exec-started", "hatchway.task.exit",
                    "hatchway.task.delete"));
        }
        expected.addAll(List.of("hatchway.task.exec-added", "hatchway.task.delete"));
        TaskFixture.eventually("every round's events").until(() -> events.typesFor(EXEC).size() >= expected.size());
        assertEquals(expected, events.typesFor(EXEC));
    }

    @Test
    @DisplayName("A task id reused the moment its delete frees it: every round's task runs, keeps its own"
            + " output, and its events come in CONTRACT.md's order")
    void taskIdReusedTheMomentItIsFree() {
        backend.assumeStdio();
        String taskId = TID + "-reused";
        EventLog events = EventLog.subscribe(hatchway.server, TaskService.NAME);
        Path bundle = hatchway.bundle(taskId, shell("echo hi"));
        int rounds = reuseRounds();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            hatchway.create(taskId, bundle);
            for (int round = 0; round < rounds; round++) {
                TaskMXBean task = hatchway.task(taskId);
                assertEquals("created", status(task, ""), "round " + round);
                task.start("");
                assertEquals(0, awaitExit(task, "").getExitStatus(), "round " + round);
                assertEquals("hi\n", hatchway.exec(taskId, "").getStdout(), "round " + round + "'s output");
                Future<Void> reuse = reuseWhenGone(client,
                        () -> !hatchway.serviceMBean.getTaskIds().contains(taskId),
                        () -> hatchway.serviceMBean.createTask(taskId, bundle.toString(), backend.taskOptions()));
                assertEquals(0, task.deleteExec("").getExitStatus(), "round " + round);
                joinClient(reuse, round);
            }
            TaskFixture.delete(hatchway.task(taskId));
        } finally {
            client.shutdownNow();
        }
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            expected.addAll(List.of("hatchway.task.create", "hatchway.task.start", "hatchway.task.exit",
                    "hatchway.task.delete"));
        }
        expected.addAll(List.of("hatchway.task.create", "hatchway.task.exit", "hatchway.task.delete"));
        List<String> forTask = events.events().stream().filter(e -> taskId.equals(e.get("taskId")))
                .map(EventLog.Received::type).toList();
        assertEquals(expected, forTask);
    }

    @Test
    @DisplayName("A client that starts an exec the moment it exists, while a slow subscriber holds up the"
            + " events: exec-added always comes before exec-started, exit and delete")
    void startTheMomentTheExecExists() {
        TaskMXBean task = hatchway.started(TID);
        EventLog.subscribe(hatchway.server, TaskService.taskName(TID), event -> { // called first, on the sender's thread
            if (event.type().equals("hatchway.task.exec-added")) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        });
        EventLog events = EventLog.subscribe(hatchway.server, TaskService.taskName(TID));
        int rounds = reuseRounds();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < rounds; round++) {
                String execId = EXEC + "-" + round;
                Future<Void> start = reuseWhenGone(client, () -> !notFound(() -> task.start(execId)), () -> null);
                task.createExec(execId, Bundles.process(shell("exit 0")));
                joinClient(start, round);
                assertEquals(0, awaitExit(task, execId).getExitStatus(), "round " + round);
                task.deleteExec(execId);
                assertEquals(List.of("hatchway.task.exec-added", "hatchway.task.exec-started", "hatchway.task.exit",
                        "hatchway.task.delete"), events.typesFor(execId), "round " + round);
            }
        } finally {
            client.shutdownNow();
        }
    }

    /** Runs {@code reads} while {@code call} is held in the runtime, and checks they answered before it was let go. */
    private static void assertAnswerWhileHeld(String what, Future<?> call, Runnable reads) {
        long begin = System.nanoTime();
        reads.run();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        assertFalse(call.isDone(), () -> "the reads waited until " + what + " left the runtime (" + millis + " ms)");
    }

    @Test
    @DisplayName("While a start or a kill hangs in the runtime, state, pids and the Exec MBean's attributes"
            + " answer at once")
    void readsNeverWaitForTheRuntime() throws Exception {
        SlowRuntime[] runtime = new SlowRuntime[1];
        hatchway.close();
        hatchway = new TaskFixture(backend, tempDir.resolve("slow"), TaskFixture.TIMEOUTS,
                real -> runtime[0] = new SlowRuntime(real));
        SlowRuntime slow = runtime[0];
        TaskMXBean task = hatchway.started(TID);
        int initPid = task.getPid();
        addExecs(task, longRunning(), EXEC);
        ExecMXBean exec = hatchway.exec(TID, EXEC);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            slow.hold();
            Future<Integer> start = caller.submit(() -> task.start(EXEC));
            slow.awaitHeldCall();
            assertAnswerWhileHeld("start", start, () -> {
                assertEquals("created", status(task, EXEC));
                assertEquals("created", exec.getState());
                assertEquals(0, exec.getPid());
                assertEquals(255, exec.getExitStatus());
                assertEquals("", exec.getExitedAt());
                assertEquals("running", task.getStatus());
                assertTrue(task.pids().stream().anyMatch(p -> p.getProcessId() == initPid));
                assertEquals(List.of(EXEC), task.getExecIds());
            });
            slow.let();
            int pid = start.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);

            slow.hold();
            Future<?> kill = caller.submit(() -> task.killExec(EXEC, SIGKILL, false));
            slow.awaitHeldCall();
            assertAnswerWhileHeld("kill", kill, () -> {
                assertEquals("running", status(task, EXEC));
                assertEquals("running", exec.getState());
                assertEquals(pid, exec.getPid());
                assertTrue(task.pids().stream().anyMatch(p -> p.getProcessId() == pid));
            });
            slow.let();
            kill.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            assertEquals(128 + SIGKILL, awaitExit(task, EXEC).getExitStatus());
        } finally {
            slow.let();
            caller.shutdownNow();
        }
    }
}
