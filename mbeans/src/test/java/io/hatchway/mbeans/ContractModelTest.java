package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.mbeans.ContractModel.Exec;
import io.hatchway.mbeans.ContractModel.Program;
import io.hatchway.mbeans.ContractModel.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

/**
 * Random sequences of createTask, createExec, start, killExec (one or all), deleteExec, waitExec,
 * state and pids, run on a real backend and on {@link ContractModel} side by side: every answer,
 * every error kind and every exit status must be the model's, a refused call must change nothing,
 * and each sequence must leave nothing behind ({@link TaskFixture#close()}). jqwik shrinks a
 * divergence to a shortest sequence that still shows it.
 *
 * <p>A build runs a CI-sized number of sequences per backend ({@code jqwik.tries.default} in
 * {@code junit-platform.properties}) of up to 16 operations; {@code -Djqwik.tries.default=N} and
 * {@code -Dhatchway.model.steps=M} run more and longer ones (see the README).
 */
class ContractModelTest {
    private static final String[] TASK_IDS = {"a", "b"};
    private static final long SHORT_WAIT_MILLIS = 50;
    private static final long SETTLE_MILLIS = 20;

    @Property(maxDiscardRatio = 10)
    void onProcess(@ForAll("processSequences") ActionChain<Session> chain) {
        run(chain);
    }

    @Property(maxDiscardRatio = 10)
    @AddLifecycleHook(RuncUsable.class)
    void onRunc(@ForAll("runcSequences") ActionChain<Session> chain) {
        run(chain);
    }

    @Provide
    Arbitrary<ActionChain<Session>> processSequences() {
        return sequences(Backend.PROCESS);
    }

    @Provide
    Arbitrary<ActionChain<Session>> runcSequences() {
        return sequences(Backend.RUNC);
    }

    /** Runs one sequence, then closes its session (which fails the sequence if it left anything). */
    private static void run(ActionChain<Session> chain) {
        try {
            chain.run().assertEvents();
        } finally {
            Session.closeOpened();
        }
    }

    /** Skips the runc property, saying why, where containers cannot run (as the other runc tests do). */
    static final class RuncUsable implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            try {
                Backend.RUNC.assumeUsable();
                return SkipResult.doNotSkip();
            } catch (TestAbortedException e) {
                return SkipResult.skip(e.getMessage());
            }
        }
    }

    private static Arbitrary<ActionChain<Session>> sequences(Backend backend) {
        return ActionChain.<Session>startWith(() -> new Session(backend))
                .withAction(3, new CreateTask())
                .withAction(4, new Start())
                .withAction(4, new CreateExec())
                .withAction(3, new Kill())
                .withAction(3, new Delete())
                .withAction(2, new Wait())
                .withAction(2, new State())
                .withAction(1, new Pids())
                .withAction(1, new Restart())
                .withMaxTransformations(Integer.getInteger("hatchway.model.steps", 16));
    }

    /** The real Hatchway and the model, side by side. */
    static final class Session implements AutoCloseable {
        /** Sessions jqwik opened for the sequence being run (shrinking opens one per attempt). */
        private static final List<Session> OPENED = new ArrayList<>();

        final Path tempDir;
        final TaskFixture fixture;
        final ContractModel model = new ContractModel();
        private int bundles;

        Session(Backend backend) {
            backend.assumeUsable();
            try {
                tempDir = Files.createTempDirectory("hatchway-model");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            fixture = new TaskFixture(backend, tempDir);
            synchronized (OPENED) {
                OPENED.add(this);
            }
        }

        static void closeOpened() {
            List<Session> sessions;
            synchronized (OPENED) {
                sessions = List.copyOf(OPENED);
                OPENED.clear();
            }
            AssertionError failure = null;
            for (Session session : sessions) {
                try {
                    session.close();
                } catch (AssertionError | RuntimeException e) {
                    failure = failure == null ? new AssertionError("the sequence left something behind", e) : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        /** A fresh bundle running {@code program} (each create gets its own directory). */
        Path bundle(Program program) {
            return fixture.backend.writeBundle(tempDir.resolve("bundles").resolve(String.valueOf(++bundles)),
                    Bundles.processNode(program.args()));
        }

        TaskMXBean task(String taskId) {
            return fixture.task(taskId);
        }

        /**
         * {@link TaskFixture#assertRefused}, once what earlier calls set going has settled: a backend
         * removes an exited process's own runtime files shortly after reporting the exit, which is
         * no change made by the refused call.
         */
        void refused(ErrorKind kind, Executable call) {
            TaskFixture.eventually("the state directory settles").until(() -> {
                TaskFixture.Snapshot before = fixture.snapshot();
                Thread.sleep(SETTLE_MILLIS);
                return before.equals(fixture.snapshot());
            });
            fixture.assertRefused(kind, call);
        }

        /** Waits (bounded) for the exec to exit and checks its status against the model's. */
        void awaitExit(String taskId, Exec exec) {
            ExitStatus status = TaskFixture.awaitExit(task(taskId), exec.id);
            assertStatus(exec, status.getExitStatus(), taskId);
        }

        /** The events each exec sent are the model's, in the model's order. */
        void assertEvents() {
            int expected = model.events.values().stream().mapToInt(List::size).sum();
            TaskFixture.eventually("all " + expected + " events the sequence causes arrive")
                    .until(() -> fixture.serviceEvents().size() >= expected);
            Map<String, List<String>> received = new TreeMap<>();
            for (EventLog.Received event : fixture.serviceEvents()) {
                String type = event.type().substring("hatchway.task.".length());
                String taskId = (String) event.get("taskId");
                String execId = switch (type) {
                    case "exec-added", "exec-started" -> (String) event.get("execId");
                    case "exit", "delete" -> taskId.equals(event.get("id")) ? "" : (String) event.get("id");
                    default -> "";
                };
                received.computeIfAbsent(taskId + "/" + execId, key -> new ArrayList<>()).add(type);
            }
            assertEquals(model.events, received, "events per exec, in order");
        }

        @Override
        public void close() {
            try {
                fixture.close();
            } finally {
                ExecFiles.deleteTree(tempDir);
            }
        }
    }

    static void assertStatus(Exec exec, long actual, String taskId) {
        assertTrue(exec.exitStatus.contains(actual), () -> "exec '" + exec.id + "' of task '" + taskId
                + "' exited " + actual + ", the model allows " + exec.exitStatus);
        exec.exitStatus = Set.of(actual);
    }

    private static Arbitrary<String> taskIds() {
        return Arbitraries.of(TASK_IDS);
    }

    private static Arbitrary<Program> programs() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(Program.sleeping())),
                Tuple.of(1, Arbitraries.integers().between(0, 3).map(Program::exiting)));
    }

    /** Exec ids a sequence uses: the init exec, two others, and the task's own id (never allowed). */
    private static Arbitrary<String> execIds(String taskId) {
        return Arbitraries.of("", "x", "y", taskId);
    }

    /** An action on a task the model holds. */
    private abstract static class OnTask implements Action.Dependent<Session> {
        @Override
        public boolean precondition(Session session) {
            return !session.model.tasks.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Session>> transformer(Session session) {
            return Arbitraries.of(List.copyOf(session.model.tasks.keySet())).flatMap(this::on);
        }

        abstract Arbitrary<Transformer<Session>> on(String taskId);
    }

    static final class CreateTask implements Action.Independent<Session> {
        @Override
        public Arbitrary<Transformer<Session>> transformer() {
            return Combinators.combine(taskIds(), programs()).as((taskId, program) -> Transformer.mutate(
                    "createTask(" + taskId + ", " + program + ")", session -> {
                        Path bundle = session.bundle(program);
                        TaskServiceMXBean service = session.fixture.serviceMBean;
                        if (session.model.tasks.containsKey(taskId)) {
                            session.refused(ErrorKind.AlreadyExists,
                                    () -> service.createTask(taskId, bundle.toString(), session.fixture.backend.taskOptions()));
                            return;
                        }
                        session.fixture.create(taskId, bundle);
                        session.model.tasks.put(taskId, session.model.new Task(taskId, program));
                    }));
        }
    }

    static final class Start extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return execIds(taskId).map(execId -> Transformer.mutate("start(" + taskId + ", '" + execId + "')",
                    session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        Optional<ErrorKind> refusal = ContractModel.startRefusal(model, execId);
                        if (refusal.isPresent()) {
                            session.refused(refusal.get(), () -> task.start(execId));
                            return;
                        }
                        Exec exec = model.exec(execId).orElseThrow();
                        assertTrue(task.start(execId) > 0, "start returns the pid");
                        exec.start();
                        exec.program.exitCode().ifPresent(code -> {
                            exec.exit(Set.of((long) code));
                            if (exec == model.init) {
                                model.tornDown();
                            }
                            awaitEnded(session, model);
                        });
                    }));
        }
    }

    static final class CreateExec extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return Combinators.combine(execIds(taskId), programs()).as((execId, program) -> Transformer.mutate(
                    "createExec(" + taskId + ", '" + execId + "', " + program + ")", session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        String process = Bundles.process(program.args());
                        Optional<ErrorKind> refusal = ContractModel.createExecRefusal(model, execId);
                        if (refusal.isPresent()) {
                            session.refused(refusal.get(), () -> task.createExec(execId, process));
                            return;
                        }
                        task.createExec(execId, process);
                        model.addExec(execId, program);
                    }));
        }
    }

    static final class Kill extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return Combinators.combine(execIds(taskId), Arbitraries.of(false, true)).as((execId, all) ->
                    Transformer.mutate("killExec(" + taskId + ", '" + execId + "', 9, " + all + ")", session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        Optional<ErrorKind> refusal = ContractModel.killRefusal(model, execId, all);
                        if (refusal.isPresent()) {
                            session.refused(refusal.get(),
                                    () -> task.killExec(execId, TaskFixture.SIGKILL, all));
                            return;
                        }
                        task.killExec(execId, TaskFixture.SIGKILL, all);
                        if (all) {
                            model.execs.values().forEach(ContractModelTest::killed);
                        }
                        Exec target = model.exec(execId).orElseThrow();
                        killed(target);
                        if (target == model.init) {
                            model.tornDown();
                        }
                        awaitEnded(session, model);
                    }));
        }
    }

    static final class Delete extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return execIds(taskId).map(execId -> Transformer.mutate("deleteExec(" + taskId + ", '" + execId + "')",
                    session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        Optional<Exec> target = model.exec(execId);
                        if (target.isEmpty()) {
                            session.refused(ErrorKind.NotFound, () -> task.deleteExec(execId));
                            return;
                        }
                        Exec exec = target.get();
                        if (exec == model.init) { // no additional exec outlives the task, even if the delete fails
                            model.execs.values().forEach(other -> forceExit(other, 1));
                        }
                        if (exec.status == Status.running) {
                            if (exec == model.init) {
                                Errors.assertKind(ErrorKind.FailedPrecondition, () -> task.deleteExec(execId));
                                awaitEnded(session, model);
                            } else {
                                session.refused(ErrorKind.FailedPrecondition,
                                        () -> task.deleteExec(execId));
                            }
                            return;
                        }
                        boolean neverStarted = exec.status == Status.created;
                        forceExit(exec, 0);
                        if (exec == model.init && neverStarted) {
                            model.tornDown();
                        }
                        DeleteResult result = task.deleteExec(execId);
                        assertStatus(exec, result.getExitStatus(), taskId);
                        if (neverStarted) {
                            assertEquals(0, result.getPid(), "an exec that never started has pid 0");
                        }
                        exec.deleted();
                        if (exec == model.init) {
                            session.model.tasks.remove(taskId);
                            assertTrue(!session.fixture.serviceMBean.getTaskIds().contains(taskId),
                                    "a deleted task is gone from TaskIds");
                        } else {
                            model.execs.remove(execId);
                        }
                    }));
        }
    }

    static final class Wait extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return execIds(taskId).map(execId -> Transformer.mutate("waitExec(" + taskId + ", '" + execId + "')",
                    session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        Optional<Exec> exec = model.exec(execId);
                        if (exec.isEmpty()) {
                            session.refused(ErrorKind.NotFound,
                                    () -> task.waitExec(execId, SHORT_WAIT_MILLIS));
                        } else if (exec.get().status != Status.exited) {
                            session.refused(ErrorKind.DeadlineExceeded,
                                    () -> task.waitExec(execId, SHORT_WAIT_MILLIS));
                        } else {
                            assertStatus(exec.get(), task.waitExec(execId, SHORT_WAIT_MILLIS).getExitStatus(),
                                    taskId);
                        }
                    }));
        }
    }

    static final class State extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return execIds(taskId).map(execId -> Transformer.mutate("state(" + taskId + ", '" + execId + "')",
                    session -> {
                        ContractModel.Task model = session.model.tasks.get(taskId);
                        TaskMXBean task = session.task(taskId);
                        Optional<Exec> exec = model.exec(execId);
                        if (exec.isEmpty()) {
                            session.refused(ErrorKind.NotFound, () -> task.state(execId));
                            return;
                        }
                        ExecStatus state = task.state(execId);
                        assertEquals(exec.get().status.name(), state.getStatus(), "status of '" + execId + "'");
                        assertStatus(exec.get(), state.getExitStatus(), taskId);
                        assertEquals(taskId, state.getId(), "state's task id");
                        assertEquals(execId.isEmpty() ? taskId : execId, state.getExecId(), "state's exec id");
                    }));
        }
    }

    static final class Pids extends OnTask {
        @Override
        Arbitrary<Transformer<Session>> on(String taskId) {
            return Arbitraries.just(Transformer.mutate("pids(" + taskId + ")", session -> {
                ContractModel.Task model = session.model.tasks.get(taskId);
                Set<String> listed = new TreeSet<>();
                try {
                    session.task(taskId).pids().stream().map(ProcessDetails::getExecId)
                            .filter(id -> !id.isEmpty()).forEach(listed::add);
                } catch (RuntimeException e) { // a torn-down task may answer NotFound, and only then
                    assertEquals(Status.exited, model.init.status, "pids failed on a live task: " + e);
                    Errors.assertKind(ErrorKind.NotFound, () -> {
                        throw e;
                    });
                }
                assertEquals(new TreeSet<>(ContractModel.runningExecIds(model)), listed,
                        "execs whose own process pids() lists");
            }));
        }
    }

    /**
     * The agent stops and starts again on the same state directory. A backend that recovers tasks
     * (runc) shows every task again, each exec in the state it had, but the additional execs that
     * were created and never started (the README says so); the process backend ends its tasks.
     */
    static final class Restart implements Action.Independent<Session> {
        @Override
        public Arbitrary<Transformer<Session>> transformer() {
            return Arbitraries.just(Transformer.mutate("restart", session -> {
                session.fixture.restart();
                if (session.fixture.backend.recoversTasks()) {
                    // A task whose init exec exited was torn down, its container deleted: nothing
                    // is left to find (the README's recovery rule).
                    session.model.tasks.values().removeIf(task -> task.init.status == Status.exited);
                    session.model.tasks.values().forEach(task ->
                            task.execs.values().removeIf(exec -> exec.status == Status.created));
                } else {
                    session.model.tasks.clear();
                }
                assertEquals(List.copyOf(session.model.tasks.keySet()),
                        session.fixture.serviceMBean.getTaskIds().stream().sorted().toList(), "tasks after restart");
            }));
        }
    }

    /** SIGKILL: a created exec ends with 1, a running one with 128+9. */
    private static void killed(Exec exec) {
        if (exec.status == Status.created) {
            exec.exit(Set.of(1L));
        } else if (exec.status == Status.running) {
            exec.exit(Set.of(ContractModel.SIGKILL_STATUS));
        }
    }

    /** Force-exit: created → {@code status}; running → killed, its real status. */
    private static void forceExit(Exec exec, int status) {
        if (exec.status == Status.created) {
            exec.exit(Set.of((long) status));
        } else if (exec.status == Status.running) {
            exec.exit(Set.of(ContractModel.SIGKILL_STATUS));
        }
    }

    /** Waits (bounded) until every exec the model says has exited has, and checks each status. */
    private static void awaitEnded(Session session, ContractModel.Task model) {
        Consumer<Exec> await = exec -> {
            if (exec.status == Status.exited) {
                session.awaitExit(model.id, exec);
            }
        };
        model.execs.values().forEach(await);
        await.accept(model.init);
    }
}
