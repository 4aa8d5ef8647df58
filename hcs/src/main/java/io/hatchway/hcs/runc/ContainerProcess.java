package io.hatchway.hcs.runc;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.runc.conmon.Monitor;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process in a container, under its conmon: the init process (signalled through the runtime's
 * {@code kill}, as containerd's runc shim does) or an exec (signalled with kill(2) on its host
 * pid). Its exit status is the one conmon writes (128+N for a death by signal N). Thread-safe.
 *
 * <p>A given stdin reaches the process through a pipe the JVM feeds ({@link ChildStdio}), which
 * {@link #closeStdin} closes; a process found again after a restart lost that feed with the JVM
 * that held it (its stdin is at its end), and one without stdin reads {@code /dev/null}. No
 * console: processes with a terminal are refused earlier.
 */
final class ContainerProcess implements ComputeProcess {
    /** How a signal reaches the process; false when it had already exited. */
    interface Signaller {
        boolean signal(int signal);
    }

    private final int pid;
    private final CompletableFuture<Long> exited;
    private final Signaller signaller;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();
    private final Optional<ChildStdio> streams;

    /** @param streams the streams it was launched with, finished once it has exited; empty once found again */
    ContainerProcess(int pid, CompletableFuture<Long> exited, Signaller signaller, Optional<ChildStdio> streams) {
        this(pid, exited, signaller, () -> { }, streams);
    }

    private ContainerProcess(int pid, CompletableFuture<Long> exited, Signaller signaller, Runnable release,
            Optional<ChildStdio> streams) {
        this.pid = pid;
        this.exited = exited;
        this.signaller = signaller;
        this.release = release;
        this.streams = streams;
        streams.ifPresent(launched -> exited.whenComplete((code, error) -> launched.finish()));
    }

    /**
     * An exec: signals go to its host pid, but never once its exit is known or the pid is no longer
     * the process's (its start time differs: the pid was reused), even with its conmon gone;
     * {@code beforeSignal} runs just before one is sent, {@code release} drops its state once it
     * is released.
     */
    static ContainerProcess exec(Monitor monitor, CompletableFuture<Long> exited, Runnable beforeSignal,
            Runnable release, Optional<ChildStdio> streams) {
        int pid = monitor.pid();
        return new ContainerProcess(pid, exited, signal -> {
            if (exited.isDone() || !monitor.processAlive()) {
                return false;
            }
            beforeSignal.run();
            return LibC.signal(pid, signal);
        }, release, streams);
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public boolean signal(int signal) {
        if (exited.isDone()) {
            return false;
        }
        return signaller.signal(signal);
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    @Override
    public void kill() {
        try {
            signal(Signals.SIGKILL);
        } catch (RuntimeException e) { // gone, or the container with it: either way not running
        }
    }

    @Override
    public void release() {
        if (released.compareAndSet(false, true)) {
            release.run();
        }
    }

    @Override
    public void closeStdin() {
        streams.ifPresent(ChildStdio::closeStdin);
    }

    @Override
    public void resizeConsole(int width, int height) {
        throw ErrorKind.NotImplemented.error("the runc backend runs processes without a console");
    }

    @Override
    public String toString() {
        return "ContainerProcess{pid=" + pid + "}";
    }
}
