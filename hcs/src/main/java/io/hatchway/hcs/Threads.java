package io.hatchway.hcs;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Hatchway's threads: all daemon, all named {@code hatchway-*}, none left idling for long. */
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

    private static final ExecutorService BACKGROUND = shortLived("hatchway-background-");
    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, daemons("hatchway-later-"));

    static {
        TIMER.setKeepAliveTime(1, TimeUnit.SECONDS);
        TIMER.allowCoreThreadTimeOut(true);
        TIMER.setRemoveOnCancelPolicy(true);
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
}
