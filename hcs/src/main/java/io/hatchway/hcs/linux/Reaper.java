package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.Signals;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for and reaps the children {@link PosixSpawn} started: each exactly once, every wait
 * bounded but the one a reaper thread makes for a child that is known to go.
 */
public final class Reaper {
    private Reaper() {
    }

    /**
     * Blocks until child {@code pid} exits and reaps it. @return its exit code, or 128+N for a death
     * by signal N
     */
    public static long waitFor(int pid) {
        int[] status = new int[1];
        while (true) {
            try {
                LibC.INSTANCE.waitpid(pid, status, 0);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw new IllegalStateException("waitpid(" + pid + "): " + LibC.message(e));
                }
            }
        }
        return exitCode(status[0]);
    }

    /**
     * Reaps child {@code pid} once it has exited, waiting at most {@code bound}: in poll(2) on a
     * pidfd (Linux 5.3), else looking every millisecond. @return its exit code as {@link #waitFor}
     * gives it, or empty when it still runs
     */
    public static OptionalLong waitFor(int pid, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        int pidfd = pidfd(pid);
        try {
            int[] status = new int[1];
            while (true) {
                int reaped;
                try {
                    reaped = LibC.INSTANCE.waitpid(pid, status, LibC.WNOHANG);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINTR) {
                        continue;
                    }
                    throw new IllegalStateException("waitpid(" + pid + "): " + LibC.message(e));
                }
                if (reaped == pid) {
                    return OptionalLong.of(exitCode(status[0]));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return OptionalLong.empty();
                }
                if (pidfd >= 0) { // readable once the child has exited
                    LibC.awaitReadable(pidfd, (int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
                } else {
                    LockSupport.parkNanos(Math.min(left, 1_000_000));
                }
            }
        } finally {
            if (pidfd >= 0) {
                LibC.INSTANCE.close(pidfd);
            }
        }
    }

    /**
     * Kills child {@code pid} (SIGKILL) and reaps it, waiting at most {@code bound}. One stuck in the
     * kernel longer is reaped by a thread of {@code threads} once it goes, so it never stays a zombie.
     */
    public static void kill(int pid, Duration bound, Executor threads) {
        LibC.killQuietly(pid, Signals.SIGKILL);
        if (waitFor(pid, bound).isEmpty()) {
            threads.execute(() -> waitFor(pid));
        }
    }

    /** A pidfd for child {@code pid} (pidfd_open(2)), or -1 where the kernel has none. */
    private static int pidfd(int pid) {
        try {
            return (int) LibC.INSTANCE.syscall(LibC.SYS_PIDFD_OPEN, pid, 0);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return -1;
        }
    }

    private static long exitCode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }
}
