package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task: hcsshim's {@code hcsTask}. It owns the compute system, the init exec and the additional
 * execs, and turns the init exec's exit into the task's teardown.
 *
 * <p>Its {@link Teardown} runs once, when the init exec has exited (by itself, killed, or
 * force-exited from created), and ends with the init {@code exit} event; {@code deleteExec("")}
 * waits for it, bounded.
 *
 * <p>A plain state machine: it knows nothing of JMX. What it needs from outside (where its events
 * go, threads, timeouts) comes in its {@link TaskContext}; {@link TaskMBean} is its MXBean face.
 * Its operations follow {@link TaskMXBean}'s contract, failing with {@link HatchwayException}s of
 * CONTRACT.md's kinds. Thread-safe.
 *
 * <p>Longer than most classes here: it holds every rule that spans a task's execs (create, kill
 * all, delete of the task, the pids' owners) in one place; what stands apart is split off (the
 * teardown, each exec's files, the exec state machine).
 */
public final class Task {
    private static final Logger log = LoggerFactory.getLogger(Task.class);

    private final TaskContext context;
    private final String id;
    private final Bundle bundle;
    private final ComputeSystem system;
    private final Path stateDir;
    private final Exec init;
    private final Map<String, Exec> execs = new ConcurrentHashMap<>();
    private final Object createLock = new Object();
    private final Teardown teardown;
    /** Set once by the delete that won; from then on the task is not found. */
    private final AtomicBoolean deleted = new AtomicBoolean();
    /** Completes once that delete has released the task's events, MBeans, files and id. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    private Task(TaskContext context, String id, Bundle bundle, Path stateDir, ProcessSpec initSpec,
            Optional<Stdio> initStdio, Function<Stdio, ComputeSystem> createSystem) {
        this.context = context;
        this.id = id;
        this.bundle = bundle;
        this.stateDir = stateDir;
        this.init = newExec("", initSpec, initStdio);
        // The init exec's streams are known before the system exists: a container runtime fixes
        // them when it creates the init process.
        this.system = createSystem.apply(init.stdio());
        this.teardown = new Teardown(this, system, context.timeouts());
    }

    /**
     * A task whose system {@code createSystem} creates, given the init exec's streams; its teardown
     * follows the init exec's exit.
     */
    static Task create(TaskContext context, String id, Bundle bundle, Path stateDir,
            Function<Stdio, ComputeSystem> createSystem) {
        Task task = new Task(context, id, bundle, stateDir, bundle.process(), Optional.empty(), createSystem);
        task.init.exited().thenRunAsync(task.teardown::run, context.executor());
        return task;
    }

    /**
     * A task around a system the backend found again after a restart, with its init exec and its
     * execs in state {@code created}; {@link #adopt} then brings them to their real state, once
     * the MBeans are registered (so their events have a sender). Execs with an id this task could
     * not have given are left out.
     */
    static Task recovered(TaskContext context, RecoveredSystem recovered, Path stateDir) {
        Task task = new Task(context, recovered.id(), recovered.bundle(), stateDir, recovered.init().spec(),
                Optional.of(recovered.init().stdio()), stdio -> recovered.system());
        ExecFiles.sweepGraves(stateDir);
        for (RecoveredSystem.Process process : recovered.execs()) {
            String execId = process.execId();
            try {
                Ids.check(execId, "exec id");
            } catch (RuntimeException e) {
                continue;
            }
            if (!execId.equals(task.id) && !task.execs.containsKey(execId)) {
                task.execs.put(execId, task.newExec(execId, process.spec(), Optional.of(process.stdio())));
            }
        }
        return task;
    }

    /** Second half of {@link #recovered}: started processes become running (or exited), teardown follows init. */
    void adopt(RecoveredSystem recovered) {
        recovered.init().process().ifPresent(init::adopt);
        for (RecoveredSystem.Process process : recovered.execs()) {
            Exec exec = execs.get(process.execId());
            if (exec != null) {
                process.process().ifPresent(exec::adopt);
            }
        }
        init.exited().thenRunAsync(teardown::run, context.executor());
    }

    /** A new exec; its streams are {@code known} ones (a recovered exec's) or follow the spec. */
    private Exec newExec(String execId, ProcessSpec spec) {
        return newExec(execId, spec, Optional.empty());
    }

    private Exec newExec(String execId, ProcessSpec spec, Optional<Stdio> known) {
        Path dir = stateDir.resolve(execId.isEmpty() ? id : execId);
        return new Exec(this, execId, spec, ExecFiles.create(dir, spec, known));
    }

    ComputeSystem system() {
        return system;
    }

    Executor executor() {
        return context.executor();
    }

    void publish(Event event) {
        context.listener().event(this, event);
    }

    Exec init() {
        return init;
    }

    /** @throws HatchwayException NotFound once the task is deleted (or being deleted) */
    void checkLive() {
        if (deleted.get()) {
            throw ErrorKind.NotFound.error("task with id: '%s' not found", id);
        }
    }

    /** {@code ""} → the init exec; unknown → NotFound. */
    Exec getExec(String execId) {
        checkLive();
        if (execId == null || execId.isEmpty()) {
            return init;
        }
        Exec exec = execs.get(execId);
        if (exec == null || exec.isDeleting()) {
            throw ErrorKind.NotFound.error("exec: '%s' in task: '%s' not found", execId, id);
        }
        return exec;
    }

    /** Whether a delete has claimed this task. */
    boolean isDeleted() {
        return deleted.get();
    }

    /** Completes once a delete of this task has released everything it held, its id included. */
    CompletableFuture<Void> released() {
        return released;
    }

    /** Additional execs, for the service's registration bookkeeping. */
    List<Exec> execs() {
        return new ArrayList<>(execs.values());
    }

    /**
     * An id whose exec is being deleted is not found, and it is free once that delete has released
     * it (bounded, by the delete teardown timeout): a create waits for that, so no clean-up of the
     * old exec can ever touch the new one.
     */
    public void createExec(String execId, String processJson) {
        checkLive();
        Exec previous = execId == null ? null : execs.get(execId);
        if (previous != null && previous.isDeleting()) { // released completes once the id is free
            Timeouts.await(previous.released(), context.timeouts().deleteTeardown(),
                    "exec: '" + execId + "' in task: '" + id + "' to be deleted");
        }
        synchronized (createLock) {
            if (execId == null || execId.isEmpty() || execId.equals(id) || execs.containsKey(execId)) {
                throw ErrorKind.AlreadyExists.error("exec: '%s' in task: '%s' already exists", execId, id);
            }
            Ids.check(execId, "exec id");
            if (init.state() != Exec.State.RUNNING) {
                throw ErrorKind.FailedPrecondition.error(
                        "exec: '' in task: '%s' must be running to create additional execs", id);
            }
            ProcessSpec spec = ProcessSpec.parse(processJson);
            if (spec.terminal() && spec.stderr().isPresent()) {
                throw ErrorKind.FailedPrecondition.error("if using terminal, stderr must be empty");
            }
            system.checkProcess(spec);
            Exec exec = newExec(execId, spec);
            // Nothing can start, kill or delete the exec before its exec-added event is sent.
            synchronized (exec) {
                context.listener().execAdded(exec); // throws before anything is stored
                execs.put(execId, exec);
                publish(Event.execAdded(id, execId));
            }
        }
    }

    public int start(String execId) {
        return getExec(execId).start();
    }

    public ExecStatus state(String execId) {
        return getExec(execId).status();
    }

    public void killExec(String execId, int signal, boolean all) {
        Exec target = getExec(execId);
        if (all && !target.isInit()) {
            throw ErrorKind.FailedPrecondition.error("cannot signal all for non-empty exec: '%s'", execId);
        }
        if (all) {
            for (Exec exec : execs.values()) {
                if (exec.isDeleting()) {
                    continue;
                }
                try {
                    exec.kill(signal);
                } catch (RuntimeException e) {
                    log.warn("kill all: signal {} to exec '{}' in task '{}' failed: {}", signal, exec.getId(), id,
                            e.getMessage());
                }
            }
        }
        if (signal == Signals.SIGKILL && target.isInit() && system.isolated()) {
            teardown.startKillWatchdog(context.scheduler());
        }
        target.kill(signal);
    }

    /**
     * The delete event is sent, the MBeans unregistered and the files removed before the id is
     * free again: an exec or task created with the same id the moment it is free owns everything
     * under that id, and its events follow the delete event. All of it is done before the call
     * returns, so a caller that reuses the id after the return never waits.
     */
    public DeleteResult deleteExec(String execId) {
        Exec target = getExec(execId);
        if (!target.isInit()) {
            DeleteResult result = target.claimForDelete();
            try {
                publish(Event.delete(id, execId, result.getPid(), result.getExitStatus(), result.getExitedAt()));
                context.listener().execDeleted(target);
            } finally {
                target.release(() -> execs.remove(execId, target));
            }
            return result;
        }
        // Deleting the task: no additional exec may outlive it, even if the rest fails.
        for (Exec exec : execs.values()) {
            exec.forceExit(1);
        }
        target.readyForDelete();
        teardown.awaitForDelete(context.timeouts().deleteTeardown());
        if (!deleted.compareAndSet(false, true)) { // a concurrent delete won
            throw ErrorKind.NotFound.error("task with id: '%s' not found", id);
        }
        DeleteResult result = target.deleteResult();
        try {
            publish(Event.delete(id, "", result.getPid(), result.getExitStatus(), result.getExitedAt()));
            context.listener().taskDeleted(this);
            for (Exec exec : execs.values()) {
                exec.release(() -> { });
            }
            init.release(() -> { });
            ExecFiles.deleteTree(stateDir);
        } finally {
            context.listener().taskReleased(this);
            released.complete(null);
        }
        return result;
    }

    public List<ProcessDetails> pids() {
        checkLive();
        Map<Integer, String> owners = new HashMap<>();
        init.runningPid().ifPresent(pid -> owners.put(pid, id));
        for (Exec exec : execs.values()) {
            exec.runningPid().ifPresent(pid -> owners.put(pid, exec.getId()));
        }
        List<ProcessDetails> out = new ArrayList<>();
        for (ProcessDetails p : system.processes()) {
            out.add(p.withExecId(owners.getOrDefault(p.getProcessId(), "")));
        }
        return out;
    }

    public ExitStatus waitExec(String execId, long timeoutMillis) {
        Exec exec = getExec(execId);
        Duration timeout = Timeouts.callerTimeout(timeoutMillis);
        if (!exec.isInit()) {
            return exec.waitFor(timeout);
        }
        Timeouts.await(teardown.done(), timeout, "task: '" + id + "' to shut down");
        return init.waitFor(Duration.ZERO);
    }

    public TaskStatistics stats() {
        checkLive();
        return new TaskStatistics(system.statistics(), system.hostStatistics().orElse(null));
    }

    public int execInHost(String processJson, long timeoutMillis) {
        checkLive();
        ProcessSpec spec = ProcessSpec.parse(processJson);
        return system.execInHost(spec, Timeouts.callerTimeout(timeoutMillis));
    }

    public String dumpGuestStacks() {
        checkLive();
        return system.dumpGuestStacks(context.timeouts().guestStacks());
    }

    public void share(String hostPath, String guestPath, boolean readOnly) {
        checkLive();
        system.share(hostPath, guestPath, readOnly);
    }

    public void resizePty(String execId, int width, int height) {
        getExec(execId).resizePty(width, height);
    }

    public void closeIO(String execId, boolean stdin) {
        getExec(execId).closeIO(stdin);
    }

    public String getId() {
        return id;
    }

    public String getBundle() {
        return bundle.toString();
    }

    public boolean isIsolated() {
        return system.isolated();
    }

    public int getPid() {
        return init.getPid();
    }

    public String getStatus() {
        return init.getState();
    }

    public List<String> getExecIds() {
        return execs.values().stream().filter(exec -> !exec.isDeleting()).map(Exec::getId).toList();
    }

    /** The task's figures now; none once nothing runs or the task is deleted. Reads, never waits for a runtime call. */
    Optional<Statistics> liveFigures() {
        try {
            return deleted.get() ? Optional.empty() : Optional.of(system.statistics());
        } catch (HatchwayException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "Task{" + id + "}";
    }
}
