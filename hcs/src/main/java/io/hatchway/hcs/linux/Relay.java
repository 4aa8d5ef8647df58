package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Copies what one descriptor gives into another (or into a {@link CappedFile}), on a thread of its own (from its backend's
 * {@code hatchway-relay-*} pool), until the source ends (end-of-file; EIO, a terminal no process
 * holds any more), the destination fails (a pipe nobody reads), or it is told to stop. It owns both
 * descriptors and closes them as it ends; nothing of it is left then. Every wait is in poll(2)
 * beside a wake-up pipe, so {@link #stop} and {@link #drain} take effect at once, however stuck
 * the peers are. Thread-safe.
 */
public final class Relay {
    private static final int BUFFER = 64 * 1024;

    private final int from;
    private final int to;
    private final CappedFile capped; // null: the destination is the descriptor {@code to}
    private final int[] wake = new int[2];
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private volatile boolean stopping;
    private volatile long drainDeadline; // System.nanoTime(); 0 while not draining
    private volatile long settleDeadline; // System.nanoTime(); 0 while not asked to settle
    private boolean awoken; // the relay's thread only: the last wait ended by a wake-up

    private Relay(int from, int to, CappedFile capped) {
        this.from = from;
        this.to = to;
        this.capped = capped;
    }

    /**
     * Starts copying from {@code from} to {@code to}, both now the relay's, on a thread of
     * {@code threads} (one that grows as needed: the copy blocks it). The destination is made
     * non-blocking (a description of the relay's own, or one only a relay writes).
     *
     * @throws LastErrorException the process is out of descriptors; both are closed
     */
    public static Relay start(int from, int to, Executor threads) {
        Relay relay = new Relay(from, to, null);
        try {
            LibC.INSTANCE.pipe2(relay.wake, LibC.O_CLOEXEC | LibC.O_NONBLOCK);
            LibC.INSTANCE.fcntl(to, LibC.F_SETFL, LibC.INSTANCE.fcntl(to, LibC.F_GETFL, 0) | LibC.O_NONBLOCK);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(from);
            LibC.INSTANCE.close(to);
            throw e;
        }
        threads.execute(relay::run);
        return relay;
    }

    /**
     * Starts copying from {@code from} into {@code to}, a file kept within its cap (a write there
     * never waits: what finds no room is dropped, so the writer of {@code from} is never held up).
     * Both are now the relay's. Errors as {@link #start(int, int, Executor)}.
     */
    public static Relay start(int from, CappedFile to, Executor threads) {
        Relay relay = new Relay(from, -1, to);
        try {
            LibC.INSTANCE.pipe2(relay.wake, LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(from);
            to.close();
            throw e;
        }
        threads.execute(relay::run);
        return relay;
    }

    /** Stops now, what is on its way dropped; the destination's reader then sees end-of-file. Idempotent. */
    public void stop() {
        stopping = true;
        wakeUp();
    }

    /**
     * Copies on until the source ends, at most {@code bound} from now (the source's writer has gone;
     * what it left is still to be read), then stops. @return {@link #ended()}
     */
    public CompletionStage<Void> drain(Duration bound) {
        drainDeadline = System.nanoTime() + Math.max(1, bound.toNanos());
        wakeUp();
        return ended;
    }

    /**
     * The source's writer has gone, others may still hold it (a process's background children):
     * the returned stage completes once everything written so far is copied (the source found
     * empty, or at its end), at most {@code bound} from now, while the relay copies on until the
     * source ends. Never exceptionally.
     */
    public CompletionStage<Void> settle(Duration bound) {
        settleDeadline = System.nanoTime() + Math.max(1, bound.toNanos());
        wakeUp();
        return settled;
    }

    /** Completes once the relay has ended and closed its descriptors. Never exceptionally. */
    public CompletionStage<Void> ended() {
        return ended;
    }

    private void wakeUp() {
        try (Memory one = new Memory(1)) {
            one.setByte(0, (byte) 1);
            LibC.INSTANCE.write(wake[1], one, 1);
        } catch (LastErrorException e) { // full: a wake-up is pending anyway; closed: ended already
        }
    }

    private void run() {
        try (Memory buffer = new Memory(BUFFER)) {
            copy(buffer);
        } catch (RuntimeException e) { // a failed copy ends the relay like any end
        } finally {
            LibC.INSTANCE.close(from);
            if (capped != null) {
                capped.close();
            } else {
                LibC.INSTANCE.close(to);
            }
            LibC.INSTANCE.close(wake[0]);
            LibC.INSTANCE.close(wake[1]);
            settled.complete(null);
            ended.complete(null);
        }
    }

    private void copy(Memory buffer) {
        while (true) {
            int timeout = timeoutMillis();
            if (stopping || timeout == 0) {
                return;
            }
            long settle = settleDeadline;
            boolean settling = settle != 0 && !settled.isDone();
            if (settling && System.nanoTime() - settle > 0) {
                settled.complete(null); // copied for as long as allowed
                settling = false;
            }
            if (!await(from, LibC.POLLIN, settling ? 0 : timeout)) {
                if (settling && !awoken) {
                    settled.complete(null); // nothing more to read now: all written so far is copied
                }
                continue;
            }
            long count;
            try {
                count = LibC.INSTANCE.read(from, buffer, BUFFER);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
                    continue;
                }
                return; // EIO: a terminal nobody holds; anything else ends it too
            }
            if (count <= 0) {
                return;
            }
            if (!writeAll(buffer, count)) {
                return;
            }
        }
    }

    /** Writes {@code count} bytes of {@code buffer}; false when the destination failed or the relay stops. */
    private boolean writeAll(Memory buffer, long count) {
        if (capped != null) {
            capped.write(buffer, count);
            return true;
        }
        long done = 0;
        while (done < count) {
            try {
                done += LibC.INSTANCE.write(to, buffer.share(done), count - done);
                continue;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR) {
                    return false; // EPIPE: nobody reads it any more
                }
            }
            int timeout = timeoutMillis();
            if (stopping || timeout == 0) {
                return false;
            }
            await(to, LibC.POLLOUT, timeout);
        }
        return true;
    }

    /** poll(2)'s timeout now: -1 while not draining, 0 once the drain's time is up. */
    private int timeoutMillis() {
        long deadline = drainDeadline;
        if (deadline == 0) {
            return -1;
        }
        long left = deadline - System.nanoTime();
        return left <= 0 ? 0 : (int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE));
    }

    /**
     * Waits for {@code events} on {@code fd} or a wake-up (then consumed). @return whether {@code fd}
     * is ready (or at its end, or failed: the next call says so)
     */
    private boolean await(int fd, short events, int timeout) {
        awoken = false;
        try (Memory fds = new Memory(16)) { // two struct pollfd { int fd; short events; short revents; }
            fds.setInt(0, fd);
            fds.setShort(4, events);
            fds.setShort(6, (short) 0);
            fds.setInt(8, wake[0]);
            fds.setShort(12, LibC.POLLIN);
            fds.setShort(14, (short) 0);
            try {
                LibC.INSTANCE.poll(fds, 2, timeout);
            } catch (LastErrorException e) {
                return false; // EINTR: the caller looks again
            }
            awoken = fds.getShort(14) != 0;
            if (awoken) {
                try (Memory sink = new Memory(64)) {
                    LibC.INSTANCE.read(wake[0], sink, 64);
                } catch (LastErrorException e) { // drained already
                }
            }
            return fds.getShort(6) != 0;
        }
    }
}
