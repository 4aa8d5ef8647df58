package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hatchway.hcs.ErrorKind;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
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
}
