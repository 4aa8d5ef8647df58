package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** A blocking open(2) of a FIFO's read end on a thread of its own, which {@link #cancel} releases. */
final class FifoOpen {
    private static final int WAITING = 0;
    private static final int OPENING = 1;
    private static final int CANCELLED = 2;
    private static final long RELEASE_BOUND = 1_000_000_000;

    private final String via;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    final CompletableFuture<Integer> opened = new CompletableFuture<>();

    FifoOpen(String via) {
        this.via = via;
    }

    void run() {
        if (!state.compareAndSet(WAITING, OPENING)) {
            opened.complete(-1);
            return;
        }
        while (true) {
            try {
                int fd = LibC.INSTANCE.open(via, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
                if (state.get() == CANCELLED || !opened.complete(fd)) {
                    LibC.INSTANCE.close(fd);
                    opened.complete(-1);
                }
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    opened.completeExceptionally(e);
                    return;
                }
            }
        }
    }

    /**
     * Gives up: a thread not yet in open(2) never enters it; one in it is released by a writer
     * of our own, opened non-blocking (ENXIO until that thread counts as the FIFO's reader).
     */
    void cancel() {
        if (state.getAndSet(CANCELLED) != OPENING) {
            return;
        }
        opened.thenAccept(fd -> {
            if (fd >= 0) {
                LibC.INSTANCE.close(fd);
            }
        });
        long until = System.nanoTime() + RELEASE_BOUND;
        while (!opened.isDone() && System.nanoTime() < until) {
            try {
                LibC.INSTANCE.close(LibC.INSTANCE.open(via, LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0));
            } catch (LastErrorException e) { // not in open(2) yet
            }
            try {
                opened.get(1, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) { // try again, or it failed by itself
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
