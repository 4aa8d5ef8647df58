package io.hatchway.hcs.runc;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.linux.ProcessStreams;
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
 * <p>A given stdin reaches the process through a pipe the JVM feeds, which {@link #closeStdin}
 * closes; a process found again after a restart lost that feed with the JVM that held it (its
 * stdin is at its end), and one without stdin reads {@code /dev/null}. A terminal is conmon's
 * ({@link io.hatchway.hcs.runc.conmon.Console}): its output is copied out of conmon's log, and its
 * exit is reported once that copy is done.
 */
final class ContainerProcess implements ComputeProcess {
    /** How a signal reaches the process; false when it had already exited. */
    interface Signaller {
        boolean signal(int signal);
    }

    private final int pid;
    private final CompletableFuture<Long> exited; // the process's
    private final CompletableFuture<Long> reported; // and once its streams are finished
    private final Signaller signaller;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();
    private final Optional<ProcessStreams> streams;

    /** @param streams the streams the JVM serves for it, finished once it has exited */
    ContainerProcess(int pid, CompletableFuture<Long> exited, Signaller signaller, Optional<ProcessStreams> streams) {
        this(pid, exited, signaller, () -> { }, streams);
    }

    private ContainerProcess(int pid, CompletableFuture<Long> exited, Signaller signaller, Runnable release,
            Optional<ProcessStreams> streams) {
        this.pid = pid;
        this.exited = exited;
        this.signaller = signaller;
        this.release = release;
        this.streams = streams;
        this.reported = streams.isEmpty() ? exited : exited.thenCompose(code -> streams.get().finish()
                .handle((done, error) -> code)).toCompletableFuture();
    }

    /**
     * An exec: signals go to its host pid, but never once its exit is known or the pid is no longer
     * the process's (its start time differs: the pid was reused), even with its conmon gone;
     * {@code beforeSignal} runs just before one is sent, {@code release} drops its state once it
     * is released.
     */
    static ContainerProcess exec(Monitor monitor, CompletableFuture<Long> exited, Runnable beforeSignal,
            Runnable release, Optional<ProcessStreams> streams) {
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
        return reported;
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
        streams.ifPresent(ProcessStreams::closeStdin);
    }

    @Override
    public void resizeConsole(int width, int height) {
        if (streams.isEmpty() || !streams.get().terminal()) {
            throw ErrorKind.FailedPrecondition.error("process %d has no terminal", pid);
        }
        if (!exited.isDone()) {
            streams.get().resize(width, height);
        }
    }

    @Override
    public String toString() {
        return "ContainerProcess{pid=" + pid + "}";
    }
}
