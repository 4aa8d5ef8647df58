package io.hatchway.mbeans;

import io.hatchway.hcs.Threads;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads tasks work on, all daemon: {@code hatchway-task-*} for the work that follows an exit
 * (ending after 60 idle seconds) and {@code hatchway-timer-1} for delayed and periodic work. Made
 * by whoever starts Hatchway, handed to the {@link TaskService}, which closes them with itself.
 * Thread-safe.
 */
public final class TaskThreads implements AutoCloseable {
    /** How long a close waits for each pool's work under way to end. */
    private static final Duration END = Duration.ofSeconds(2);

    private final ExecutorService executor = Executors.newCachedThreadPool(Threads.daemons("hatchway-task-"));
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Threads.daemons("hatchway-timer-"));

    ExecutorService executor() {
        return executor;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Stops both pools and waits (at most 2 s each) for work under way to end: what comes after a
     * close may free what that work uses. Idempotent.
     */
    @Override
    public void close() {
        scheduler.shutdownNow();
        executor.shutdownNow();
        try {
            scheduler.awaitTermination(END.toMillis(), TimeUnit.MILLISECONDS);
            executor.awaitTermination(END.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
