package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.PosixSpawn.SpawnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The files of a {@link Stdio} opened for a child of {@link PosixSpawn}, stdin read, stdout and
 * stderr appended to: the caller's until closed, or each taken over with {@link #take}. Not
 * thread-safe. Opening them never blocks the caller (see {@link #open}).
 */
public final class OpenStreams implements AutoCloseable {
    private final int[] fds = {-1, -1, -1};

    private OpenStreams() {
    }

    /** The descriptor of stream {@code n} (0, 1, 2), now the caller's to close. */
    public int take(int n) {
        int fd = fds[n];
        fds[n] = -1;
        return fd;
    }

    /** All three, for a spawn; they stay this object's. */
    public PosixSpawn.ChildStreams.Descriptors descriptors() {
        return new PosixSpawn.ChildStreams.Descriptors(fds[0], fds[1], fds[2]);
    }

    @Override
    public void close() {
        for (int n = 0; n < fds.length; n++) {
            if (fds[n] >= 0) {
                LibC.INSTANCE.close(take(n));
            }
        }
    }

    /**
     * Opens {@code stdio}'s files as a child takes them (an empty stdin as {@link Stdio#DEV_NULL}).
     * No open blocks the caller: a FIFO waits for its other end (a writer for stdin, a reader for
     * stdout and stderr) at most {@code peerTimeout}, all three together; a FIFO's read end is
     * opened on a thread of {@code threads}.
     *
     * @throws SpawnException a file cannot be opened; none is left open
     * @throws HatchwayException DeadlineExceeded naming the FIFO whose other end did not appear in
     *     time; none is left open
     */
    public static OpenStreams open(Stdio stdio, Duration peerTimeout, Executor threads) throws SpawnException {
        OpenStreams streams = new OpenStreams();
        boolean done = false;
        try {
            long deadline = System.nanoTime() + peerTimeout.toNanos();
            streams.fds[0] = movedAboveTargets(openReadEnd("stdin", stdio.stdinOrNull(), deadline, peerTimeout,
                    threads));
            streams.fds[1] = movedAboveTargets(openWriteEnd("stdout", stdio.stdout(), deadline, peerTimeout));
            streams.fds[2] = movedAboveTargets(openWriteEnd("stderr", stdio.stderr(), deadline, peerTimeout));
            done = true;
            return streams;
        } finally {
            if (!done) {
                streams.close();
            }
        }
    }

    /*
     * Opening a stream never blocks the caller. open(2) of a FIFO blocks until its other end is
     * open too, and a thread in open(2) cannot be interrupted: a writer-less FIFO as stdin once
     * wedged start, and every call waiting behind it, for good. So:
     * - a write end is opened O_NONBLOCK, which fails with ENXIO while no reader is there; that is
     *   retried until the deadline, then the flag is cleared for the child;
     * - a read end has no such signal (a non-blocking open succeeds at once, and the child would
     *   read end-of-file before its writer came). It is opened by a background thread in a plain
     *   blocking open(2), which returns exactly when a writer arrives; at the deadline that thread
     *   is released by a writer of our own, opened non-blocking and closed at once. The thread
     *   opens through an O_PATH descriptor, so releasing it works even if the FIFO is unlinked.
     * Regular files and devices open non-blocking then switch to blocking, as the child expects.
     */

    /** Opens {@code file} for appending, creating it; a FIFO waits (bounded) for a reader. */
    private static int openWriteEnd(String stream, Path file, long deadline, Duration bound) throws SpawnException {
        long pause = 1_000_000;
        while (true) {
            try {
                return blocking(LibC.INSTANCE.open(file.toString(),
                        LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0644));
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.ENXIO && e.getErrorCode() != LibC.EINTR) {
                    throw new SpawnException("open " + file, e.getErrorCode());
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw noPeer(stream, file, "reader", bound);
            }
            LockSupport.parkNanos(Math.min(left, pause));
            pause = Math.min(pause * 2, 20_000_000);
        }
    }

    /** Opens {@code file} for reading; a FIFO waits (bounded) for a writer. */
    private static int openReadEnd(String stream, Path file, long deadline, Duration bound, Executor threads)
            throws SpawnException {
        int named;
        try {
            named = LibC.INSTANCE.open(file.toString(), LibC.O_PATH | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new SpawnException("open " + file, e.getErrorCode());
        }
        String via = "/proc/self/fd/" + named;
        if (!isFifo(via)) {
            try {
                return blocking(LibC.INSTANCE.open(via, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0));
            } catch (LastErrorException e) {
                throw new SpawnException("open " + file, e.getErrorCode());
            } finally {
                LibC.INSTANCE.close(named);
            }
        }
        FifoOpen open = new FifoOpen(via);
        open.opened.whenComplete((fd, error) -> LibC.INSTANCE.close(named)); // only once no open(2) uses it
        threads.execute(open::run);
        try {
            return open.opened.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            open.cancel();
            throw noPeer(stream, file, "writer", bound);
        } catch (ExecutionException e) {
            int errno = e.getCause() instanceof LastErrorException failed ? failed.getErrorCode() : LibC.EINVAL;
            throw new SpawnException("open " + file, errno);
        }
    }

    private static boolean isFifo(String path) {
        try {
            return ((Integer) Files.getAttribute(Path.of(path), "unix:mode") & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // the open then says what is wrong
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    /** {@code fd} with O_NONBLOCK cleared: the child's reads and writes wait as usual. */
    private static int blocking(int fd) throws SpawnException {
        try {
            int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFL, 0);
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, flags & ~LibC.O_NONBLOCK);
            return fd;
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new SpawnException("fcntl " + fd, e.getErrorCode());
        }
    }

    private static HatchwayException noPeer(String stream, Path file, String peer, Duration bound) {
        return ErrorKind.DeadlineExceeded.error("%s %s: no %s opened the FIFO within %d ms", stream, file, peer,
                bound.toMillis());
    }

    /**
     * A stream we opened, at a descriptor no dup2 of a spawn targets (the original closed): a host
     * that closed its own stdin or stderr frees 0-2, and a source among the targets would be
     * overwritten before it is copied.
     */
    private static int movedAboveTargets(int fd) throws SpawnException {
        try {
            return PosixSpawn.aboveTargets(fd);
        } finally {
            if (fd < PosixSpawn.FIRST_FREE) {
                LibC.INSTANCE.close(fd);
            }
        }
    }
}
