package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * CONTRACT.md as a reference model: what each operation must answer and do, given the tasks and
 * execs the model holds, with no process behind it. {@link ContractModelTest} runs the same
 * operations on a real backend and compares.
 *
 * <p>Every process the model runs either exits at once ({@code exit N}) or runs until it is
 * signalled ({@code sleep}); the test waits for the exits it causes, so the model never has to
 * guess what a live process will do. Where CONTRACT.md lets a backend choose (the signal that ends
 * the rest of a task when its init exits), an exit status is a set of allowed values until the
 * real one is seen.
 */
final class ContractModel {
    static final long SIGKILL_STATUS = 128 + 9;
    /** What a running exec reports when its task's host ends it: SIGTERM (process backend) or SIGKILL. */
    static final Set<Long> ENDED_WITH_TASK = Set.of(128 + 15L, SIGKILL_STATUS);

    enum Status { created, running, exited }

    /** A process: runs until signalled ({@code exitCode} empty) or exits at once with its code. */
    record Program(Optional<Integer> exitCode) {
        static Program sleeping() {
            return new Program(Optional.empty());
        }

        static Program exiting(int code) {
            return new Program(Optional.of(code));
        }

        String[] args() {
            return exitCode.map(code -> Bundles.shell("exit " + code)).orElseGet(Bundles::longRunning);
        }

        @Override
        public String toString() {
            return exitCode.map(code -> "exit " + code).orElse("sleep");
        }
    }

    final class Exec {
        final String taskId;
        final String id;
        final Program program;
        Status status = Status.created;
        /** The allowed exit statuses; one value once known. 255 until exited. */
        Set<Long> exitStatus = Set.of(255L);

        Exec(String taskId, String id, Program program) {
            this.taskId = taskId;
            this.id = id;
            this.program = program;
            event(id.isEmpty() ? "create" : "exec-added");
        }

        boolean isInit() {
            return id.isEmpty();
        }

        void start() {
            status = Status.running;
            event(isInit() ? "start" : "exec-started");
        }

        /** Exited: an exit event for an additional exec that was started; the init's comes at teardown. */
        void exit(Set<Long> statuses) {
            if (status == Status.running && !isInit()) {
                event("exit");
            }
            status = Status.exited;
            exitStatus = statuses;
        }

        void deleted() {
            event("delete");
        }

        void event(String type) {
            events.computeIfAbsent(taskId + "/" + id, key -> new ArrayList<>()).add(type);
        }
    }

    final class Task {
        final String id;
        final Exec init;
        final Map<String, Exec> execs = new LinkedHashMap<>();

        Task(String id, Program program) {
            this.id = id;
            this.init = new Exec(id, "", program);
        }

        Exec addExec(String execId, Program program) {
            Exec exec = new Exec(id, execId, program);
            execs.put(execId, exec);
            return exec;
        }

        Optional<Exec> exec(String execId) {
            return execId.isEmpty() ? Optional.of(init) : Optional.ofNullable(execs.get(execId));
        }

        /**
         * The init exec has exited: the host goes, created execs end with 1, running ones are
         * ended; then the init exit event.
         */
        void tornDown() {
            for (Exec exec : execs.values()) {
                if (exec.status == Status.created) {
                    exec.exit(Set.of(1L));
                } else if (exec.status == Status.running) {
                    exec.exit(ENDED_WITH_TASK);
                }
            }
            init.event("exit");
        }
    }

    final Map<String, Task> tasks = new TreeMap<>();
    /**
     * The events CONTRACT.md orders, per exec ({@code <task>/<exec>}, {@code <task>/} for the init
     * exec), in the order they must arrive.
     */
    final Map<String, List<String>> events = new TreeMap<>();

    Optional<Task> task(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    /** The failure CONTRACT.md names for {@code createExec}, if any. */
    static Optional<ErrorKind> createExecRefusal(Task task, String execId) {
        if (execId.isEmpty() || execId.equals(task.id) || task.execs.containsKey(execId)) {
            return Optional.of(ErrorKind.AlreadyExists);
        }
        if (task.init.status != Status.running) {
            return Optional.of(ErrorKind.FailedPrecondition);
        }
        return Optional.empty();
    }

    /** The failure for {@code start}: unknown → NotFound, not created → FailedPrecondition. */
    static Optional<ErrorKind> startRefusal(Task task, String execId) {
        Optional<Exec> exec = task.exec(execId);
        if (exec.isEmpty()) {
            return Optional.of(ErrorKind.NotFound);
        }
        return exec.get().status == Status.created ? Optional.empty() : Optional.of(ErrorKind.FailedPrecondition);
    }

    /** The failure for {@code killExec}, in CONTRACT.md's order. */
    static Optional<ErrorKind> killRefusal(Task task, String execId, boolean all) {
        Optional<Exec> target = task.exec(execId);
        if (target.isEmpty()) {
            return Optional.of(ErrorKind.NotFound);
        }
        if (all && !execId.isEmpty()) {
            return Optional.of(ErrorKind.FailedPrecondition);
        }
        if (target.get().status == Status.exited) {
            return Optional.of(ErrorKind.NotFound);
        }
        return Optional.empty();
    }

    /** The execs (by the id {@code pids()} reports) whose own process must be listed. */
    static List<String> runningExecIds(Task task) {
        List<String> ids = new ArrayList<>();
        if (task.init.status == Status.running) {
            ids.add(task.id);
        }
        task.execs.values().stream().filter(e -> e.status == Status.running).forEach(e -> ids.add(e.id));
        return ids;
    }
}
