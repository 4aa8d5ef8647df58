package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Threads;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.TaskDir.ExecRecord;
import io.hatchway.hcs.runc.TaskDir.TaskRecord;
import io.hatchway.hcs.runc.cli.Io;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.ExitWatcher;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task on the runc backend: one OCI container (runtime id = task id) whose init process and
 * execs each run under their own conmon. The container is created by
 * {@link RuncBackend#create}; this object drives the rest of its life.
 *
 * <p>The system has stopped once the init process's exit is known (conmon's exit file) and its
 * cgroup holds no process any more (noticed through {@code cgroup.events} where the host has
 * cgroup v2, else by the watcher's fallback check). Teardown is the runtime's {@code kill}, a
 * bounded wait, and a plain {@code delete}. Thread-safe: state changes are guarded by this
 * object's monitor.
 */
final class Container implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(Container.class);
    /** Process fields an exec takes from the init process when it does not set them (as {@code ctr task exec} does). */
    private static final Set<String> NOT_INHERITED = Set.of("args", "commandLine", "terminal", "consoleSize");
    /** How long {@link #close} waits for a container it had to kill. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final RuncContext context;
    private final String id;
    private final OciRuntime runtime;
    private final TaskDir dir;
    private final TaskRecord record;
    private final ObjectNode initProcess;
    private final Optional<Sandbox> sandbox;
    private final Monitor initMonitor;
    private final ContainerProcess init;
    private final CompletableFuture<Void> stopped;
    private final Set<ContainerProcess> execs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger execCount;
    private boolean started; // guarded by this
    private boolean closed; // guarded by this
    /** Guards the removal, apart from {@code this}: a delete waits for the runtime. */
    private final Object release = new Object();
    private boolean released; // guarded by release

    Container(RuncContext context, OciRuntime runtime, TaskDir dir, TaskRecord record, ObjectNode initProcess,
            Optional<Sandbox> sandbox, Monitor initMonitor, boolean started, int execCount) {
        this.context = context;
        this.id = record.id();
        this.runtime = runtime;
        this.dir = dir;
        this.record = record;
        this.initProcess = initProcess;
        this.sandbox = sandbox;
        this.started = started;
        this.execCount = new AtomicInteger(execCount);
        ExitWatcher watcher = context.watcher();
        CompletableFuture<Long> initExit = watcher.exitOf(dir.init().exitFile(id), initMonitor);
        this.initMonitor = initMonitor;
        this.init = new ContainerProcess(initMonitor.pid(), initExit, this::signalInit);
        // Stopped: the init process's exit is known and nothing else is left in the cgroup (an
        // exec may outlive the init process where the container shares a pid namespace).
        this.stopped = initExit.thenCompose(code -> watcher.when(
                context.cgroups().unifiedDir(record.cgroupsPath()),
                () -> !context.cgroups().populated(record.cgroupsPath())));
    }

    @Override
    public String id() {
        return id;
    }

    TaskRecord record() {
        return record;
    }

    OciRuntime runtime() {
        return runtime;
    }

    /** The init process (started or not: it exists from create on, waiting for start). */
    ContainerProcess init() {
        return init;
    }

    @Override
    public boolean isolated() {
        return sandbox.isPresent();
    }

    Optional<Sandbox> sandbox() {
        return sandbox;
    }

    @Override
    public void checkSignal(int signal) {
        Signals.checkLinux(signal);
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        checkTerminal(spec);
    }

    static void checkTerminal(ProcessSpec spec) {
        if (spec.terminal()) {
            throw ErrorKind.NotImplemented.error(
                    "terminal: the runc backend runs processes without a console (conmon passes their output straight to files)");
        }
    }

    @Override
    public synchronized ComputeProcess start(Stdio stdio) {
        if (started || closed || init.exited().toCompletableFuture().isDone()) {
            throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
        }
        try {
            runtime.start(id);
        } catch (HatchwayException e) {
            // A runtime that looks the binary up at start (older crun) fails here, not at create.
            throw LaunchFailure.classify(e);
        }
        started = true;
        awaitExec(init.pid());
        return init;
    }

    @Override
    public ComputeProcess exec(ProcessSpec spec, Stdio stdio) {
        return exec("", spec, stdio);
    }

    /** {@link #exec(ProcessSpec, Stdio)} remembering the task layer's exec id, for recovery. */
    @Override
    public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        synchronized (this) {
            if (!started || closed || init.exited().toCompletableFuture().isDone()) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
        }
        checkProcess(spec);
        MonitorDir monitorDir = dir.exec(Integer.toString(execCount.incrementAndGet()));
        ObjectNode process = execProcess(spec);
        try {
            TaskDir.write(monitorDir.processFile(), process);
            TaskDir.writeExec(monitorDir, new ExecRecord(execId, stdio.stdin().map(Path::toString).orElse(null),
                    stdio.stdout().toString(), stdio.stderr().toString(), process));
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("exec in task '%s': writing %s: %s", id, monitorDir.dir(), e);
        }
        Monitor monitor;
        try {
            monitor = context.conmon().exec(runtime, id, dir.bundle(), monitorDir, io(stdio));
        } catch (HatchwayException e) {
            TaskDir.delete(monitorDir.dir());
            throw e;
        }
        ContainerProcess tracked = track(monitorDir, monitor);
        awaitExec(tracked.pid());
        return tracked;
    }

    /**
     * Waits (at most a second, in practice well under a millisecond) until process {@code pid} has
     * exec'd its command. The runtime's {@code start} and {@code exec --detach} return while the
     * process is still the runtime's own init code ({@code runc:[2:INIT]}, {@code crun}), with the
     * runtime's name and environment, or half way through its execve; from the caller's return on
     * it is what the caller asked for. (A command whose name starts with the runtime's costs that
     * second.)
     */
    private void awaitExec(int pid) {
        ProcFs.awaitExec(pid, s -> !s.command().startsWith(runtime.name()), Duration.ofSeconds(1));
    }

    /**
     * Follows an exec's exit. Its state directory, exit status included, stays until the task
     * layer releases the process (its exec is deleted) or the task goes: an agent started again
     * finds an exec that exited and was not deleted yet with its real status.
     */
    ContainerProcess track(MonitorDir monitorDir, Monitor monitor) {
        CompletableFuture<Long> exit = context.watcher().exitOf(monitorDir.exitFile(id), monitor);
        ContainerProcess process = ContainerProcess.exec(monitor, exit, () -> keepExitDir(monitorDir),
                () -> exit.whenCompleteAsync((code, error) -> TaskDir.delete(monitorDir.dir()), Threads.background()));
        execs.add(process);
        exit.whenComplete((code, error) -> execs.remove(process));
        return process;
    }

    /** The exec's process object: the caller's, completed from the init process's fields it leaves out. */
    private ObjectNode execProcess(ProcessSpec spec) {
        return withDefaults(spec, initProcess);
    }

    /** {@code spec}'s OCI process object completed from {@code base}'s fields it leaves out; never a terminal. */
    static ObjectNode withDefaults(ProcessSpec spec, ObjectNode base) {
        ObjectNode process;
        try {
            process = (ObjectNode) Json.MAPPER.readTree(spec.toOciJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        base.fields().forEachRemaining(field -> {
            if (!NOT_INHERITED.contains(field.getKey()) && !process.has(field.getKey())) {
                process.set(field.getKey(), field.getValue().deepCopy());
            }
        });
        if (!process.has("cwd")) {
            process.put("cwd", "/");
        }
        process.put("terminal", false);
        return process;
    }

    static Io io(Stdio stdio) {
        return new Io(stdio.stdin(), Optional.of(stdio.stdout()), Optional.of(stdio.stderr()));
    }

    /**
     * Signals the init process through the runtime; by its pid when the runtime no longer knows the
     * container (its root went with a removed state directory) but the process still runs.
     */
    private boolean signalInit(int signal) {
        keepExitDir(dir.init());
        try {
            return runtime.kill(id, signal, false);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e;
            }
            return initMonitor.processAlive() && LibC.signal(initMonitor.pid(), signal);
        }
    }

    /**
     * Makes sure conmon can write the exit status of a process about to be signalled: its exit
     * directory is made again when the state directory was removed under a running task.
     */
    private void keepExitDir(MonitorDir monitorDir) {
        if (Files.isDirectory(monitorDir.exitDir())) {
            return;
        }
        try {
            Files.createDirectories(monitorDir.exitDir());
            log.warn("task '{}': {} was removed; made again so that its exit status can be written", id,
                    monitorDir.exitDir());
        } catch (IOException e) {
            log.warn("task '{}': {} was removed and cannot be made again ({}): an exit will read as unknown", id,
                    monitorDir.exitDir(), e.toString());
        }
    }

    @Override
    public List<ProcessDetails> processes() {
        List<ProcessDetails> out = new ArrayList<>();
        for (int pid : members("pids")) {
            ProcFs.details(pid).ifPresent(out::add);
        }
        if (out.isEmpty()) { // even a created container has its runtime's init process
            throw ErrorKind.NotFound.error("failed to fetch pids: task '%s' is stopping and none of its processes"
                    + " is left", id);
        }
        return out;
    }

    /** The pids in the container's cgroup; NotFound {@code failed to fetch <what>: ...} once it is gone. */
    private List<Integer> members(String what) {
        if (stopped.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        try {
            return context.cgroups().processes(record.cgroupsPath());
        } catch (NoSuchFileException e) {
            throw ErrorKind.NotFound.error("failed to fetch %s: cgroup %s of task '%s' does not exist", what,
                    record.cgroupsPath(), id);
        } catch (IOException e) {
            throw ErrorKind.NotFound.error("failed to fetch %s: cgroup %s: %s", what, record.cgroupsPath(), e);
        }
    }

    @Override
    public Statistics statistics() {
        if (stopped.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch stats: task '%s' has stopped", id);
        }
        return cgroupStatistics(record.cgroupsPath(), "task '" + id + "'");
    }

    Statistics cgroupStatistics(String cgroupsPath, String owner) {
        try {
            return context.cgroups().statistics(cgroupsPath);
        } catch (NoSuchFileException e) {
            throw ErrorKind.NotFound.error("failed to fetch stats: cgroup %s of %s does not exist", cgroupsPath, owner);
        } catch (IOException | RuntimeException e) {
            throw ErrorKind.NotFound.error("failed to fetch stats: cgroup %s of %s: %s", cgroupsPath, owner, e);
        }
    }

    /** The sandbox's figures, for an isolated task. */
    @Override
    public Optional<Statistics> hostStatistics() {
        return sandbox.map(s -> s.statistics(this));
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        return sandbox.orElseThrow(Container::notIsolated).execInHost(spec, timeout);
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return sandbox.map(s -> s.dumpGuestStacks(timeout)).orElse("");
    }

    /** See {@link Sandbox}'s share rule. */
    @Override
    public void share(Path hostPath, String guestPath, boolean readOnly) {
        sandbox.orElseThrow(Container::notIsolated).share(hostPath, guestPath, readOnly);
    }

    static HatchwayException notIsolated() {
        return ErrorKind.FailedPrecondition.error("task is not isolated");
    }

    @Override
    public void shutdown() {
        synchronized (this) {
            if (!started) { // nothing runs yet that could stop gracefully
                terminate();
                return;
            }
        }
        stop(Signals.SIGTERM);
    }

    @Override
    public void terminate() {
        stop(Signals.SIGKILL);
    }

    /** Signals every process of the container: through the runtime while it runs, else by pid from the cgroup. */
    private void stop(int signal) {
        if (stopped.isDone()) {
            return;
        }
        keepExitDir(dir.init());
        boolean delivered;
        try {
            delivered = runtime.kill(id, signal, true);
        } catch (HatchwayException e) {
            log.debug("task '{}': {} failed: {}", id, signal, e.getMessage());
            delivered = false;
        }
        if (!delivered) {
            // The init process is gone but others may be left (a shared pid namespace).
            try {
                for (int pid : context.cgroups().processes(record.cgroupsPath())) {
                    LibC.killQuietly(pid, signal);
                }
            } catch (IOException e) { // no cgroup: nothing left to signal
            }
        }
    }

    @Override
    public CompletionStage<Void> exited() {
        return stopped;
    }

    /**
     * Removes the container: after its stop (waited for, bounded; killed first when it still
     * runs), a plain {@code delete}; {@code delete --force} only for a container that would not
     * stop or whose plain delete failed. Then the cgroup and the task's state directory go.
     * Idempotent once it has succeeded; a failed delete throws and leaves everything as it was for
     * the next call (a delete is reported only when it happened).
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true; // no start or exec from here on
        }
        synchronized (release) {
            if (released) {
                return;
            }
            if (!stopped.isDone()) {
                terminate();
            }
            delete(!await(stopped, CLOSE_WAIT));
            release();
            released = true;
        }
    }

    /** The runtime's {@code delete}; a container the runtime does not know counts as deleted. */
    private void delete(boolean force) {
        if (!force) {
            try {
                runtime.delete(id, false);
                return;
            } catch (HatchwayException e) {
                if (e.kind() == ErrorKind.NotFound) {
                    return;
                }
                log.warn("task '{}': {}; forcing it", id, e.getMessage());
            }
        }
        try {
            runtime.delete(id, true);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e.kind().error("task '%s' not deleted: %s", id, e.detail());
            }
        }
    }

    /** Drops what the container leaves on the host once the runtime has deleted it, and its sandbox. */
    void release() {
        sandbox.ifPresent(Sandbox::close);
        context.cgroups().removeIfEmpty(record.cgroupsPath());
        TaskDir.delete(dir.dir());
        context.live().remove(id, this);
    }

    static boolean await(CompletableFuture<?> future, Duration bound) {
        try {
            future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Container{" + id + " on " + runtime.name() + "}";
    }
}
