package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.gcs.GuestProcess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process of a Linux container in a utility VM (hcsshim's {@code gcs.Process}): signals,
 * console size and exit go over the guest agent's bridge. Its exit comes from the WaitForProcess
 * hcsshim keeps in flight for the process's life; a bridge lost first (the VM ended) leaves it
 * unknown. It has no stdio here (see {@link LcowSystem}). Thread-safe.
 */
final class LcowProcess implements ComputeProcess {
    private static final Logger log = LoggerFactory.getLogger(LcowProcess.class);

    private final String taskId;
    private final GuestProcess process;
    private final boolean terminal;
    private final CompletableFuture<Long> exited = new CompletableFuture<>();

    LcowProcess(String taskId, GuestProcess process, boolean terminal) {
        this.taskId = taskId;
        this.process = process;
        this.terminal = terminal;
        process.exitCode().whenComplete((code, error) -> exited.complete(error == null ? code : UNKNOWN_EXIT_CODE));
    }

    /** Its pid in the guest (the VM's pid namespace). */
    @Override
    public int pid() {
        return process.pid();
    }

    /** The VM or its guest agent ended: an exit not reported by now stays unknown. */
    void abandon() {
        exited.complete(UNKNOWN_EXIT_CODE);
    }

    /**
     * SignalProcess; SIGTERM and SIGKILL to a container's init become its shutdown in the guest. A
     * process the guest no longer knows has exited.
     */
    @Override
    public boolean signal(int signal) {
        if (exited.isDone()) {
            return false;
        }
        try {
            process.signal(signal);
            return true;
        } catch (HatchwayException e) {
            if (e.kind() == ErrorKind.NotFound || exited.isDone()) {
                return false;
            }
            throw ErrorKind.Unavailable.error("task '%s' pid %d: signal %d not delivered: %s", taskId, pid(), signal,
                    e.detail());
        }
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    @Override
    public void kill() {
        try {
            signal(9);
        } catch (HatchwayException e) {
            log.warn("task '{}' pid {}: kill: {}", taskId, pid(), e.getMessage());
        }
    }

    /** Nothing: a process in a utility VM gets no stdin here, so it reads end-of-file already. */
    @Override
    public void closeStdin() {
    }

    @Override
    public void resizeConsole(int width, int height) {
        if (!terminal) {
            throw ErrorKind.FailedPrecondition.error("pid %d is not a tty", pid());
        }
        if (exited.isDone()) {
            return;
        }
        try {
            process.resizeConsole(width, height);
        } catch (HatchwayException e) {
            if (!exited.isDone() && e.kind() != ErrorKind.NotFound) {
                throw e;
            }
        }
    }
}
