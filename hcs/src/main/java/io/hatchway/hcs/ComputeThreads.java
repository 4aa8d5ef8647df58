package io.hatchway.hcs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The compute layer's threads and their one owner: every pool, timer and watching thread a backend
 * uses comes from here. Made by whoever opens backends (the agent, for Hatchway's lifetime), handed
 * to them in their {@link BackendContext}, and closed by the same owner once its backends are
 * closed. All threads are daemons named {@code hatchway-*}, and none idles for long: a pool lets a
 * thread go after one idle second, so an owner nobody closes (a test's) holds no thread once its
 * work is done. Thread-safe.
 */
public final class ComputeThreads implements AutoCloseable {
    /** How long an idle pool thread stays for the next piece of work. */
    private static final Duration IDLE = Duration.ofSeconds(1);

    private final List<ExecutorService> pools = new CopyOnWriteArrayList<>();
    private final List<Thread> watchers = new CopyOnWriteArrayList<>();
    /** What completes once each pool or thread has ended. */
    private final List<CompletableFuture<Void>> ended = new CopyOnWriteArrayList<>();
    private final ExecutorService background;
    private final ScheduledThreadPoolExecutor timer;
    private volatile boolean closed; // written under this object's monitor

    public ComputeThreads() {
        background = pool("hatchway-background-");
        CompletableFuture<Void> timerEnded = new CompletableFuture<>();
        timer = new ScheduledThreadPoolExecutor(1, Threads.daemons("hatchway-later-")) {
            @Override
            protected void terminated() {
                timerEnded.complete(null);
            }
        };
        timer.setKeepAliveTime(IDLE.toMillis(), TimeUnit.MILLISECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending follow-ups go with the owner
        pools.add(timer);
        ended.add(timerEnded);
    }

    /**
     * The pool for follow-up work ({@code hatchway-background-*}: clean-up once a process has
     * exited, ...). Use it, never the {@code *Async} methods of {@link CompletableFuture} without an
     * executor: on a host with fewer than three processors those start an unnamed thread per task.
     */
    public Executor background() {
        return background;
    }

    /**
     * Runs {@code task} once after {@code delay}, on a {@code hatchway-later-*} thread; it should be
     * short. Cancel what is no longer needed: the thread stays while a task is pending.
     *
     * @throws RejectedExecutionException once the owner is closed
     */
    public Future<?> later(Duration delay, Runnable task) {
        return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A pool of its own ({@code <prefix>1}, {@code <prefix>2}, ...) for blocking work (waiting for a
     * process, reading a pipe) that grows as needed and lets a thread go after one idle second.
     * It closes with the owner; one asked for after the close takes no work.
     */
    public synchronized ExecutorService pool(String prefix) {
        CompletableFuture<Void> poolEnded = new CompletableFuture<>();
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE.toMillis(), TimeUnit.MILLISECONDS,
                new SynchronousQueue<>(), Threads.daemons(prefix)) {
            @Override
            protected void terminated() {
                poolEnded.complete(null);
            }
        };
        pools.add(pool);
        ended.add(poolEnded);
        if (closed) {
            pool.shutdown();
        }
        return pool;
    }

    /**
     * Starts {@code loop} on a daemon thread named {@code name} that watches for as long as its
     * user needs (an exit watcher): the user ends it, and the owner's close interrupts it.
     *
     * @throws RejectedExecutionException once the owner is closed
     */
    public synchronized Thread watch(String name, Runnable loop) {
        if (closed) {
            throw new RejectedExecutionException("the compute layer's threads are closed");
        }
        CompletableFuture<Void> threadEnded = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                loop.run();
            } finally {
                watchers.remove(Thread.currentThread());
                threadEnded.complete(null);
            }
        }, name);
        thread.setDaemon(true);
        watchers.add(thread);
        ended.add(threadEnded);
        thread.start();
        return thread;
    }

    /**
     * Shuts every pool down and interrupts every watching thread: what runs finishes (a reaper
     * waits for its process to exit), what waits to run later is dropped, nothing new is taken.
     * Returns at once (see {@link #ended()}). Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        pools.forEach(ExecutorService::shutdown);
        watchers.forEach(Thread::interrupt);
    }

    /**
     * Completes once every thread of this owner has ended, on the last of them to end (at once when
     * none runs); after {@link #close()} only, unless every pool ends by itself.
     */
    public CompletableFuture<Void> ended() {
        return CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new));
    }
}
