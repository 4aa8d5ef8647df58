package io.hatchway.hcs.process;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A task on the process backend: its init process and additional processes, each started
 * ({@link PosixSpawn}) as the leader of a session of its own. The task's processes are the members of
 * those sessions, found in one pass over {@code /proc}: children stay the task's even when their
 * parent dies and they move to pid 1, and shutdown, terminate and {@link ComputeProcess#kill} reach
 * them without racing a fork. The system has stopped once the init process has exited (or the
 * system was shut down before it started) and no session leader is left; {@link #close} then kills
 * any member still there.
 *
 * <p>Only a process that starts a session of its own ({@code setsid}, daemons) leaves the task:
 * host processes have no container to hold them. That is the process backend's limit.
 */
final class ProcessSystem implements ComputeSystem {
    private final String id;
    private final Bundle bundle;
    private final SessionRecord record;
    private final java.util.function.Consumer<ProcessSystem> released;
    private final ProcessThreads threads;
    private final Set<HostProcess> live = ConcurrentHashMap.newKeySet();
    /** Session leader pid → its start time in clock ticks, for every process launched. */
    private final Map<Integer, Long> sessions = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean started; // written under this object's monitor
    private volatile boolean stopping;
    private volatile boolean closed; // no more checks for orphans once the caller has let go

    /**
     * @param record where each session launched is recorded, for the next start should the host die
     *     unannounced
     * @param released told once the system is closed
     * @param threads the backend's threads
     */
    ProcessSystem(String id, Bundle bundle, SessionRecord record, java.util.function.Consumer<ProcessSystem> released,
            ProcessThreads threads) {
        this.id = id;
        this.bundle = bundle;
        this.record = record;
        this.released = released;
        this.threads = threads;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isolated() {
        return false;
    }

    @Override
    public void checkSignal(int signal) {
        Signals.check(signal, LinuxTarget::takesSignal);
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        HostSpec.check(spec);
    }

    @Override
    public synchronized ComputeProcess start(Stdio stdio) {
        if (started || stopping) {
            throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
        }
        HostProcess init = launch(bundle.process(), stdio);
        started = true;
        init.exited().whenComplete((code, error) -> {
            stopping = true;
            stopIfEmpty();
        });
        return init;
    }

    @Override
    public synchronized ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        if (!started || stopping) {
            throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
        }
        checkProcess(spec);
        return launch(spec, stdio);
    }

    private HostProcess launch(ProcessSpec spec, Stdio stdio) {
        int pid;
        ChildStdio streams = null;
        try {
            Path executable = HostSpec.executable(spec);
            ProcessSpec.ConsoleSize size = spec.consoleSize().orElse(new ProcessSpec.ConsoleSize(0, 0));
            streams = spec.terminal() ? ChildStdio.openTerminal(stdio, size.width(), size.height(), threads.relays())
                    : ChildStdio.open(stdio, threads.relays());
            pid = PosixSpawn.spawn(executable, spec.args(), spec.env(), Path.of(spec.cwd()), streams.child(), List.of());
        } catch (PosixSpawn.SpawnException e) {
            abandon(streams);
            throw ErrorKind.InvalidArgument.error("cannot start '%s': %s", spec.args().get(0), e.getMessage());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            abandon(streams);
            throw ErrorKind.Unavailable.error("the process backend cannot start processes here (glibc 2.34 or later"
                    + " is needed): %s", HatchwayException.reason(e));
        }
        streams.started();
        HostProcess host = new HostProcess(pid, this, streams, threads.reapers());
        long startTicks = startTicks(pid);
        sessions.put(pid, startTicks);
        if (startTicks > 0) { // 0: gone already, nothing to record
            try {
                record.add(pid, startTicks);
            } catch (java.io.IOException e) { // a process the next start could not find is not started
                host.kill();
                throw ErrorKind.Unavailable.error("task '%s': cannot record its session in %s: %s", id, record.file(),
                        HatchwayException.reason(e));
            }
        }
        live.add(host);
        host.exited().whenComplete((code, error) -> {
            live.remove(host);
            stopIfEmpty();
        });
        return host;
    }

    private static void abandon(ChildStdio streams) {
        if (streams != null) {
            streams.abandon();
        }
    }

    /**
     * The start time in clock ticks of process {@code pid}, just spawned (0 once it is gone): read
     * at once, with no wait for its program to load. posix_spawn returns once the child is past
     * the point of no return of its execve; the rest of the execve is waited for only by whoever
     * reads the process's details ({@link HostProcess#awaitLoaded}), not by every start.
     */
    private static long startTicks(int pid) {
        return ProcFs.stat(pid).map(ProcFs.Stat::startTicks).orElse(0L);
    }

    /**
     * Completes {@link #exited} once stopping and no process of the task is left. Session leaders
     * are the JVM's children and report their exit; members orphaned by a dead leader are not, so
     * while any is left the check runs again shortly (zombies count as gone: their new parent may
     * reap late, or never when the JVM is pid 1).
     */
    private void stopIfEmpty() {
        if (!stopping || !live.isEmpty() || exited.isDone() || closed) {
            return;
        }
        if (ProcFs.sessionMembers(sessions).isEmpty()) {
            exited.complete(null);
        } else {
            threads.owner().later(ORPHAN_CHECK, this::stopIfEmpty);
        }
    }

    private static final Duration ORPHAN_CHECK = Duration.ofMillis(50);

    @Override
    public List<ProcessDetails> processes() {
        live.forEach(HostProcess::awaitLoaded); // a leader just started shows its own program
        return SessionUsage.processes(members("pids"), () -> started || stopping, id);
    }

    @Override
    public Statistics statistics() {
        return SessionUsage.statistics(members("stats"), () -> started || stopping, id);
    }

    /** The pids of every process of the task; NotFound once the system has stopped. */
    private Set<Integer> members(String what) {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        if (!ProcFs.available()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: /proc is not readable on this host", what);
        }
        // Leaders by their handle too: one that has exited is listed until it is reaped.
        Set<Integer> pids = new java.util.TreeSet<>();
        live.forEach(leader -> pids.add(leader.pid()));
        pids.addAll(ProcFs.sessionMembers(sessions));
        return pids;
    }

    @Override
    public Optional<Statistics> hostStatistics() {
        return Optional.empty();
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        spec.check(LinuxTarget::processProblem);
        throw ComputeSystem.notIsolated();
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return "";
    }

    @Override
    public void share(String hostPath, String guestPath, boolean readOnly) {
        ComputeSystem.checkSharePaths(hostPath, guestPath, LinuxTarget::isAbsolute);
        throw ComputeSystem.notIsolated();
    }

    @Override
    public void shutdown() {
        stop(Signals.SIGTERM);
    }

    @Override
    public void terminate() {
        stop(Signals.SIGKILL);
    }

    private void stop(int signal) {
        synchronized (this) {
            stopping = true;
        }
        // Leaders by their own handle too: kill(2) on a leader not yet reaped is harmless.
        live.forEach(leader -> leader.signal(signal));
        for (int pid : ProcFs.sessionMembers(sessions)) {
            LibC.killQuietly(pid, signal);
        }
        stopIfEmpty();
    }

    /** Kills every member of the session {@code leader} leads. */
    void killSession(int leader) {
        Long start = sessions.get(leader);
        if (start != null) {
            for (int pid : ProcFs.sessionMembers(Map.of(leader, start))) {
                LibC.killQuietly(pid, Signals.SIGKILL);
            }
        }
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    /** Every session launched: leader pid → its start time in clock ticks. */
    Map<Integer, Long> sessions() {
        return Map.copyOf(sessions);
    }

    /** Removes the record of the task's sessions: nothing of them is left. */
    void forget() {
        record.remove();
    }

    /** Kills whatever is left of the task's sessions, orphans included, and removes their record. */
    @Override
    public void close() {
        terminate();
        closed = true;
        record.remove();
        released.accept(this);
    }
}
