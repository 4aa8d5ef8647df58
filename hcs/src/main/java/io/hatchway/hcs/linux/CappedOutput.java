package io.hatchway.hcs.linux;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One output of a child with a cap ({@link io.hatchway.hcs.Stdio#stdoutCap}): a pipe the child
 * writes, emptied by a {@link Relay} into a {@link CappedFile} once the child runs. Not
 * thread-safe: its {@link ChildStdio}'s lock guards it.
 */
final class CappedOutput {
    private final int[] ends = {-1, -1}; // read end, write end
    private Relay relay;

    /** @throws com.sun.jna.LastErrorException no pipe could be had */
    static CappedOutput open() {
        CappedOutput output = new CappedOutput();
        LibC.INSTANCE.pipe2(output.ends, LibC.O_CLOEXEC);
        return output;
    }

    /** The child's end, to be its 1 or 2. */
    int childEnd() {
        return ends[1];
    }

    /** The child has its copy: the JVM lets go of it and copies into {@code fd}, {@code file} opened for appending. */
    void start(Path file, long cap, int fd, Executor threads) {
        close(1);
        int from = ends[0];
        ends[0] = -1;
        relay = Relay.start(from, CappedFile.of(file, cap, fd), threads);
    }

    /** See {@link Relay#settle}; done at once when never started. */
    CompletionStage<Void> settle(Duration bound) {
        return relay == null ? CompletableFuture.completedFuture(null) : relay.settle(bound);
    }

    /** Stops copying now; a launch that failed closes what is open. Idempotent. */
    void stop() {
        if (relay != null) {
            relay.stop();
        }
        close(0);
        close(1);
    }

    private void close(int end) {
        if (ends[end] >= 0) {
            LibC.INSTANCE.close(ends[end]);
            ends[end] = -1;
        }
    }
}
