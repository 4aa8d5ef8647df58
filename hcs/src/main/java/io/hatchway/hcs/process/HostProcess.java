package io.hatchway.hcs.process;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.Reaper;
import io.hatchway.hcs.linux.ProcFs;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A host process the JVM started as the leader of a session of its own ({@link PosixSpawn}). A
 * reaper thread waits for it, so it never lingers as a zombie, and reports 128+N for a death by
 * signal N, as CONTRACT.md wants, once its output is relayed ({@link ChildStdio#finish}). Signals go through kill(2) to this process alone, as a
 * container's would; {@link #kill} takes its whole session down, children orphaned earlier included.
 */
final class HostProcess implements ComputeProcess {
    private final int pid;
    private final ProcessSystem system;
    private final ChildStdio streams;
    private final CompletableFuture<Long> exited = new CompletableFuture<>();
    private volatile boolean reaped;
    private volatile boolean loaded;

    /**
     * Process {@code pid}, just spawned with {@code streams}, which it finishes once it has exited;
     * its reaper runs on {@code reapers}.
     */
    HostProcess(int pid, ProcessSystem system, ChildStdio streams, Executor reapers) {
        this.pid = pid;
        this.system = system;
        this.streams = streams;
        reapers.execute(() -> {
            long code = UNKNOWN_EXIT_CODE;
            try {
                code = Reaper.waitFor(pid);
            } finally {
                reaped = true;
                long status = code;
                streams.finish().whenComplete((done, error) -> exited.complete(status));
            }
        });
    }

    @Override
    public int pid() {
        return pid;
    }

    /**
     * Waits (at most a second, in practice microseconds, and once) until its program is loaded,
     * for whoever reads its details: its spawn returned mid-execve (see {@link ProcFs#awaitExec}).
     */
    void awaitLoaded() {
        if (!loaded) {
            ProcFs.awaitExec(pid, s -> true, Duration.ofSeconds(1));
            loaded = true;
        }
    }

    @Override
    public boolean signal(int signal) {
        // Until the reaper has collected it the pid stays ours. Between this check and kill(2) it
        // could in theory be reaped and reused: accepted, the window is microseconds and pid reuse
        // takes a full wrap of the pid space.
        return !reaped && LibC.signal(pid, signal);
    }

    /** Its reaper completes {@link #exited}, once its output is relayed (a relay's thread then: also its own). */
    @Override
    public boolean exitsOnOwnThread() {
        return true;
    }

    @Override
    public void kill() {
        system.killSession(pid);
        signal(Signals.SIGKILL);
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    @Override
    public void closeStdin() {
        streams.closeStdin();
    }

    @Override
    public void resizeConsole(int width, int height) {
        if (!streams.terminal()) {
            throw ErrorKind.FailedPrecondition.error("process %d has no terminal", pid);
        }
        streams.resize(width, height); // once exited, nothing: the terminal is closed
    }
}
