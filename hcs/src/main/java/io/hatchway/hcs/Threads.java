package io.hatchway.hcs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How Hatchway names its threads ({@link #daemons}), and the threads of the code not yet handed a
 * {@link ComputeThreads} owner.
 *
 * <p>The owner is {@link ComputeThreads}, reached through {@link BackendContext#threads()}. The
 * static pools below serve the process backend's launch and reaping ({@code linux.PosixSpawn},
 * {@code process.ProcessSystem}, {@code process.HostProcess}) until those take the owner from
 * their backend; they are one {@link ComputeThreads} of this class loader's, which the agent closes
 * at stop beside its own ({@link #closeShared()}).
 */
public final class Threads {
    /** The owner of the static pools below. */
    private static final ComputeThreads UNOWNED = new ComputeThreads();

    private Threads() {
    }

    /** Daemon threads named {@code <prefix>1}, {@code <prefix>2}, ... */
    public static ThreadFactory daemons(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** {@link ComputeThreads#background()} of the static pools. */
    public static Executor background() {
        return UNOWNED.background();
    }

    /** {@link ComputeThreads#later} of the static pools. */
    public static Future<?> later(Duration delay, Runnable task) {
        return UNOWNED.later(delay, task);
    }

    /** {@link ComputeThreads#pool} of the static pools, for a static field. */
    public static ExecutorService shared(String prefix) {
        return UNOWNED.pool(prefix);
    }

    /**
     * Closes the static pools, for an agent that stops (see {@link ComputeThreads#close()}).
     *
     * @return completes once their threads have ended
     */
    public static CompletableFuture<Void> closeShared() {
        UNOWNED.close();
        return UNOWNED.ended();
    }
}
