package io.hatchway.hcs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hatchway's threads: all daemon, all named {@code hatchway-*}, none left idling for long. The
 * pools shared by the whole compute layer ({@link #background()}, {@link #later}, {@link #shared})
 * live as long as the class loader that loaded Hatchway, until {@link #closeShared()}.
 */
public final class Threads {
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

    /** Every shared pool, and what completes once its threads have ended (see {@link #closeShared()}). */
    private static final List<ExecutorService> SHARED = new CopyOnWriteArrayList<>();
    private static final List<CompletableFuture<Void>> SHARED_ENDED = new CopyOnWriteArrayList<>();
    private static final ExecutorService BACKGROUND = shared("hatchway-background-");
    private static final CompletableFuture<Void> TIMER_ENDED = new CompletableFuture<>();
    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, daemons("hatchway-later-")) {
        @Override
        protected void terminated() {
            TIMER_ENDED.complete(null);
        }
    };

    static {
        TIMER.setKeepAliveTime(1, TimeUnit.SECONDS);
        TIMER.allowCoreThreadTimeOut(true);
        TIMER.setRemoveOnCancelPolicy(true);
        TIMER.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending follow-ups go with Hatchway
        SHARED.add(TIMER);
        SHARED_ENDED.add(TIMER_ENDED);
    }

    /**
     * Hatchway's shared pool for follow-up work (clean-up once a process has exited, ...). Use it,
     * never the {@code *Async} methods of {@link java.util.concurrent.CompletableFuture} without an
     * executor: on a host with fewer than three processors those start an unnamed thread per task.
     */
    public static Executor background() {
        return BACKGROUND;
    }

    /**
     * Runs {@code task} once after {@code delay}, on a {@code hatchway-later-*} thread; it should be
     * short. Cancel what is no longer needed: the thread stays while a task is pending.
     */
    public static Future<?> later(Duration delay, Runnable task) {
        return TIMER.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A pool for short blocking work (reading a pipe, waiting for a command) that grows as needed
     * and lets a thread go after one idle second, so a quiet Hatchway holds no such threads.
     */
    public static ExecutorService shortLived(String prefix) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemons(prefix));
    }

    /** A {@link #shortLived} pool for a static field: it is shut down by {@link #closeShared()}. */
    public static ExecutorService shared(String prefix) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemons(prefix)) {
            @Override
            protected void terminated() {
                ended.complete(null);
            }
        };
        SHARED.add(pool);
        SHARED_ENDED.add(ended);
        return pool;
    }

    /**
     * Shuts the shared pools down, for an agent that stops: what runs finishes (a reaper waits for
     * its process to exit), what waits to run later is dropped, nothing new is taken.
     *
     * @return completes once every shared pool's threads have ended, on the last of them to end
     *         (or at once when none runs)
     */
    public static CompletableFuture<Void> closeShared() {
        SHARED.forEach(ExecutorService::shutdown);
        return CompletableFuture.allOf(SHARED_ENDED.toArray(CompletableFuture[]::new));
    }
}
