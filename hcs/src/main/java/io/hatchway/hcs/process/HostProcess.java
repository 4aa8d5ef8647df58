package io.hatchway.hcs.process;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.linux.LibC;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A host process started by the JVM. The JDK reaps it (so it never lingers as a zombie) and reports
 * 128+N for a death by signal N, as CONTRACT.md wants. Signals go through kill(2).
 */
final class HostProcess implements ComputeProcess {
    private final Process process;
    private final Runnable beforeSignal;
    private final CompletableFuture<Long> exited;

    /** @param beforeSignal runs before each signal, while the process and its children still live */
    HostProcess(Process process, Runnable beforeSignal) {
        this.process = process;
        this.beforeSignal = beforeSignal;
        this.exited = process.onExit().handle((p, error) -> {
            try {
                return error == null ? (long) p.exitValue() : UNKNOWN_EXIT_CODE;
            } catch (IllegalThreadStateException e) {
                return UNKNOWN_EXIT_CODE;
            }
        });
    }

    @Override
    public int pid() {
        return (int) process.pid();
    }

    @Override
    public boolean signal(int signal) {
        // The JDK reaps the process in the background; while isAlive() is true the pid is still ours.
        // Between that check and kill(2) the pid could in theory be reaped and reused: accepted, the
        // window is microseconds and pid reuse takes a full wrap of the pid space.
        if (!process.isAlive()) {
            return false;
        }
        beforeSignal.run();
        try {
            LibC.INSTANCE.kill(pid(), signal);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.ESRCH) {
                return false;
            }
            throw ErrorKind.Unavailable.error("kill(%d, %d): errno %d", pid(), signal, e.getErrorCode());
        }
    }

    @Override
    public void kill() {
        if (!process.isAlive()) {
            return;
        }
        // Host processes have no container to die with: take the children down as well.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    @Override
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) { // already closed or the process is gone: either way closed
        }
    }

    @Override
    public void resizeConsole(int width, int height) {
        throw ErrorKind.NotImplemented.error("the process backend has no consoles");
    }
}
