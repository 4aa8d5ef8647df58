package io.hatchway.hcs.memory;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A task of the {@link MemoryBackend}: its init process and additional processes, modelled. It
 * has stopped once its init process has exited (or it was shut down before it started) and no
 * other process of it is left, as on the process backend. State changes happen under this
 * object's monitor; exits are reported on the backend's exit thread, never under it.
 */
public final class MemorySystem implements ComputeSystem {
    private final MemoryBackend backend;
    private final String id;
    private final Bundle bundle;
    private final boolean isolated;
    private final Map<Integer, MemoryProcess> live = new LinkedHashMap<>(); // guarded by this
    private final Map<String, String> shares = new LinkedHashMap<>(); // guarded by this, guest → host
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private MemoryProcess init; // guarded by this
    private boolean stopping; // guarded by this: the init process exited, or the system was shut down
    private boolean stopped; // guarded by this: exited is (about to be) completed
    private int hostExitCode; // guarded by this

    MemorySystem(MemoryBackend backend, String id, Bundle bundle, boolean isolated) {
        this.backend = backend;
        this.id = id;
        this.bundle = bundle;
        this.isolated = isolated;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isolated() {
        return isolated;
    }

    /** Linux's rule: 1–31. */
    @Override
    public void checkSignal(int signal) {
        Signals.check(signal, LinuxTarget::takesSignal);
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        spec.check(LinuxTarget::processProblem);
        if (spec.terminal()) {
            throw ErrorKind.NotImplemented.error("terminal: the memory backend has no consoles");
        }
    }

    @Override
    public ComputeProcess start(Stdio stdio) {
        MemoryProcess process;
        synchronized (this) {
            if (init != null || stopping) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
            }
            process = launch("", bundle.process(), stdio);
            init = process;
        }
        process.run();
        return process;
    }

    @Override
    public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        MemoryProcess process;
        synchronized (this) {
            if (init == null || stopping) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
            checkProcess(spec);
            process = launch(execId, spec, stdio);
        }
        process.run();
        return process;
    }

    private MemoryProcess launch(String execId, ProcessSpec spec, Stdio stdio) {
        MemoryProcess process = new MemoryProcess(this, backend.nextPid(), execId, spec, stdio);
        live.put(process.pid(), process);
        return process;
    }

    /** The live process {@code pid}. */
    public synchronized Optional<MemoryProcess> process(int pid) {
        return Optional.ofNullable(live.get(pid));
    }

    /** The init process, once started. */
    public synchronized Optional<MemoryProcess> init() {
        return Optional.ofNullable(init);
    }

    /** What {@link #execInHost} answers from now on (0 at first). */
    public synchronized void hostExitCode(int code) {
        hostExitCode = code;
    }

    /** The shares made so far, guest path → host path. */
    public synchronized Map<String, String> shares() {
        return Map.copyOf(shares);
    }

    /** Called by a process that has just exited, under no lock of ours. */
    void exited(MemoryProcess process, long code) {
        boolean nowStopped;
        synchronized (this) {
            live.remove(process.pid());
            if (process == init) {
                stopping = true;
            }
            nowStopped = stopIfEmpty();
        }
        backend.report(() -> {
            process.reportExit(code);
            if (nowStopped) {
                exited.complete(null);
            }
        });
    }

    /** Whether the system stops now: stopping and empty, not stopped before. Under this. */
    private boolean stopIfEmpty() {
        if (!stopping || !live.isEmpty() || stopped) {
            return false;
        }
        stopped = true;
        return true;
    }

    @Override
    public synchronized List<ProcessDetails> processes() {
        checkRunning("pids");
        List<ProcessDetails> out = new ArrayList<>();
        live.values().forEach(process -> out.add(process.details()));
        return out;
    }

    @Override
    public synchronized Statistics statistics() {
        checkRunning("stats");
        long cpu = 0;
        long memory = 0;
        for (MemoryProcess process : live.values()) {
            cpu += process.cpu100ns();
            memory += process.memoryBytes();
        }
        return new Statistics(Instant.now().toString(), cpu, 0, memory, memory, 0, 0, 0, live.size(), 0);
    }

    private void checkRunning(String what) {
        if (stopped) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
    }

    /** An isolated system's host holds its processes' figures. */
    @Override
    public Optional<Statistics> hostStatistics() {
        return isolated ? Optional.of(statistics()) : Optional.empty();
    }

    /** Runs nothing: answers the code {@link #hostExitCode(int)} set. */
    @Override
    public synchronized int execInHost(ProcessSpec spec, Duration timeout) {
        spec.check(LinuxTarget::processProblem);
        checkIsolated();
        return hostExitCode;
    }

    @Override
    public synchronized String dumpGuestStacks(Duration timeout) {
        return isolated ? "memory host of task '" + id + "': " + live.size() + " process(es)\n" : "";
    }

    @Override
    public synchronized void share(String hostPath, String guestPath, boolean readOnly) {
        ComputeSystem.checkSharePaths(hostPath, guestPath, LinuxTarget::isAbsolute);
        checkIsolated();
        if (shares.containsKey(guestPath)) {
            throw ErrorKind.AlreadyExists.error("guestPath '%s' is already shared", guestPath);
        }
        shares.put(guestPath, hostPath);
    }

    private void checkIsolated() {
        if (!isolated) {
            throw ComputeSystem.notIsolated();
        }
    }

    @Override
    public void shutdown() {
        stop(Signals.SIGTERM);
    }

    @Override
    public void terminate() {
        stop(Signals.SIGKILL);
    }

    /** Signals every process; a system never started stops at once. */
    private void stop(int signal) {
        List<MemoryProcess> targets;
        boolean nowStopped;
        synchronized (this) {
            if (init == null) {
                stopping = true;
            }
            targets = new ArrayList<>(live.values());
            nowStopped = stopIfEmpty();
        }
        if (nowStopped) {
            backend.report(() -> exited.complete(null));
        }
        targets.forEach(process -> process.signal(signal));
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    /** Kills what is left and lets the backend forget the system. Idempotent. */
    @Override
    public void close() {
        terminate();
        backend.forget(this);
    }

    @Override
    public String toString() {
        return "MemorySystem{" + id + "}";
    }
}
