package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ProcessStreams;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.TaskDir.TaskRecord;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Console;
import io.hatchway.hcs.runc.conmon.ExitWatcher;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>A little over 300 lines, kept whole: it is the {@link ComputeSystem} contract of one
 * container, each operation a few lines over its parts (the execs in {@link ContainerExecs}, the
 * cgroup in {@link ContainerCgroup}, the sandbox, the removal in {@link ContainerRemoval}); what is
 * left here is which state allows what, which only this object's monitor can answer.
 */
final class Container implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(Container.class);
    /** How long {@link #close} waits for a container it had to kill. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final RuncContext context;
    private final String id;
    private final OciRuntime runtime;
    private final TaskDir dir;
    private final TaskRecord record;
    private final ContainerCgroup cgroup;
    private final ObjectNode initProcess;
    private final Optional<Sandbox> sandbox;
    private final Monitor initMonitor;
    private final ContainerProcess init;
    private final CompletableFuture<Void> stopped;
    private final ContainerExecs execs;
    private final ContainerRemoval removal;
    private final Optional<ProcessStreams> initStreams;
    private boolean started; // guarded by this
    private boolean closed; // guarded by this
    /** Guards the removal, apart from {@code this}: a delete waits for the runtime. */
    private final Object release = new Object();
    private boolean released; // guarded by release

    Container(RuncContext context, OciRuntime runtime, TaskDir dir, TaskRecord record, ObjectNode initProcess,
            Optional<Sandbox> sandbox, Monitor initMonitor, boolean started, int execCount,
            Optional<ProcessStreams> initStreams) {
        this.context = context;
        this.id = record.id();
        this.runtime = runtime;
        this.dir = dir;
        this.record = record;
        this.cgroup = new ContainerCgroup(context.cgroups(), record.cgroupsPath());
        this.initProcess = initProcess;
        this.sandbox = sandbox;
        this.started = started;
        this.execs = new ContainerExecs(context, runtime, dir, id, initProcess, execCount);
        this.removal = new ContainerRemoval(context, runtime, id, dir, cgroup, sandbox);
        ExitWatcher watcher = context.watcher();
        CompletableFuture<Long> initExit = watcher.exitOf(dir.init().exitFile(id), initMonitor);
        this.initMonitor = initMonitor;
        this.init = new ContainerProcess(initMonitor.pid(), initExit, this::signalInit, initStreams);
        this.initStreams = initStreams;
        // Stopped: the init process's exit is known and nothing else is left in the cgroup (an
        // exec may outlive the init process where the container shares a pid namespace).
        this.stopped = initExit.thenCompose(code -> watcher.when(
                cgroup.unifiedDir(), () -> !cgroup.populated()));
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
        Signals.check(signal, LinuxTarget::takesSignal);
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        spec.check(LinuxTarget::processProblem);
        // a terminal is conmon's (Console); nothing else of a process is refused before the runtime sees it
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
        execs.awaitExec(init.pid());
        return init;
    }

    /** Remembers the task layer's exec id in the exec's record, for recovery. */
    @Override
    public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        synchronized (this) {
            if (!started || closed || init.exited().toCompletableFuture().isDone()) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
        }
        checkProcess(spec);
        return execs.launch(execId, spec, stdio);
    }

    /** The agent stops: it lets go of the streams it serves for the container's processes, which run on. */
    void detachStreams() {
        initStreams.ifPresent(ProcessStreams::detach);
        execs.detach();
    }

    /** Follows an exec found again after a restart; see {@link ContainerExecs#track}. */
    ContainerProcess track(MonitorDir monitorDir, Monitor monitor, Stdio stdio) {
        return execs.track(monitorDir, monitor, context.conmon().resume(monitorDir, monitorDir.dir(), stdio)
                .map(ProcessStreams.class::cast));
    }

    /**
     * Signals the init process through the runtime; by its pid when the runtime no longer knows the
     * container (its root went with a removed state directory) but the process still runs.
     */
    private boolean signalInit(int signal) {
        execs.keepExitDir(dir.init());
        try {
            return runtime.kill(id, signal, false);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e;
            }
            return initMonitor.processAlive() && signalByPid(initMonitor.pid(), signal);
        }
    }

    /** kill(2), its errno as the contract's kind: the only signal this backend sends by pid and reports. */
    private static boolean signalByPid(int pid, int signal) {
        try {
            return LibC.signal(pid, signal);
        } catch (LastErrorException e) {
            throw ErrorKind.Unavailable.error("kill(%d, %d): %s", pid, signal, LibC.message(e));
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
        return cgroup.processes(what, "task '" + id + "'");
    }

    @Override
    public Statistics statistics() {
        if (stopped.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch stats: task '%s' has stopped", id);
        }
        return cgroup.statistics("task '" + id + "'");
    }

    /** The sandbox's figures, for an isolated task. */
    @Override
    public Optional<Statistics> hostStatistics() {
        return sandbox.map(s -> s.statistics(this));
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        spec.check(LinuxTarget::processProblem);
        return sandbox.orElseThrow(ComputeSystem::notIsolated).execInHost(spec, timeout);
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return sandbox.map(s -> s.dumpGuestStacks(timeout)).orElse("");
    }

    /** See {@link Sandbox}'s share rule. */
    @Override
    public void share(String hostPath, String guestPath, boolean readOnly) {
        ComputeSystem.checkSharePaths(hostPath, guestPath, LinuxTarget::isAbsolute);
        sandbox.orElseThrow(ComputeSystem::notIsolated).share(Path.of(hostPath), guestPath, readOnly);
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
        execs.keepExitDir(dir.init());
        boolean delivered;
        try {
            delivered = runtime.kill(id, signal, true);
        } catch (HatchwayException e) {
            log.debug("task '{}': {} failed: {}", id, signal, e.getMessage());
            delivered = false;
        }
        if (!delivered) {
            // The init process is gone but others may be left (a shared pid namespace).
            cgroup.signalAll(signal);
        }
    }

    @Override
    public CompletionStage<Void> exited() {
        return stopped;
    }

    /**
     * Removes the container: after its stop (waited for, bounded; killed first when it still
     * runs), the runtime's delete ({@link ContainerRemoval}), then what the container left on the
     * host. Idempotent once it has succeeded; a failed delete throws and leaves everything as it was for
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
            removal.delete(!await(stopped, CLOSE_WAIT));
            removal.release(this);
            released = true;
        }
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
