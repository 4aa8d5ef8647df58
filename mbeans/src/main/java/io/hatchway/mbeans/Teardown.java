package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's end, hcsshim's {@code hcsTask.close}: run once, after the init exec exited (by itself,
 * killed, or force-exited from created). It shuts the system down (bounded, then terminates it,
 * bounded), force-exits what is left, releases the system, then sends the init {@code exit} event
 * and lets task-level waiters go ({@link #done()}). Every step is bounded; the exit event and the
 * release of waiters happen whatever fails before. Thread-safe.
 */
final class Teardown {
    private static final Logger log = LoggerFactory.getLogger(Teardown.class);

    private final Task task;
    private final ComputeSystem system;
    private final Timeouts timeouts;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Whether the system's resources were released; false after a teardown whose release failed. */
    private volatile boolean systemReleased;

    Teardown(Task task, ComputeSystem system, Timeouts timeouts) {
        this.task = task;
        this.system = system;
        this.timeouts = timeouts;
    }

    /** Completes once the teardown has sent the init exit event. */
    CompletableFuture<Void> done() {
        return done;
    }

    /** Tears the task down; only the first call does anything. */
    void run() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        String id = task.getId();
        try {
            system.shutdown();
            if (!stopped(timeouts.shutdown())) {
                log.warn("task '{}': still running {} after shutdown; terminating", id, timeouts.shutdown());
                system.terminate();
                if (!stopped(timeouts.terminate())) {
                    log.error("task '{}': still running {} after terminate; giving up on it", id,
                            timeouts.terminate());
                }
            }
            // The container is gone: created execs end with status 1, running ones are killed.
            List<CompletableFuture<Void>> exits = new ArrayList<>();
            for (Exec exec : task.execs()) {
                exec.forceExit(1);
                exits.add(exec.exited());
            }
            try {
                CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                        .get(timeouts.stdioDrain().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.warn("task '{}': execs still reporting their exit after {}", id, timeouts.stdioDrain());
            }
            system.close();
            systemReleased = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (HatchwayException e) {
            log.warn("task '{}': teardown failed, deleteExec tries again: {}", id, e.getMessage());
        } catch (RuntimeException | ExecutionException e) {
            log.error("task '{}': teardown failed", id, e);
        } finally {
            Exec init = task.init();
            ExitStatus status = init.waitFor(Duration.ZERO);
            task.publish(Event.exit(id, id, init.getPid(), status.getExitStatus(), status.getExitedAt()));
            done.complete(null);
        }
    }

    /**
     * For the task's delete: waits for the teardown, at most {@code bound} (expiry → DeadlineExceeded
     * {@code waiting for container resource cleanup}). A release that failed at teardown is tried
     * again; failing again, it throws and the delete fails (a delete is reported only when it
     * happened).
     */
    void awaitForDelete(Duration bound) {
        try {
            done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ErrorKind.DeadlineExceeded.error("waiting for container resource cleanup");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorKind.DeadlineExceeded.error("waiting for container resource cleanup: interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (!systemReleased) {
            system.close();
            systemReleased = true;
        }
    }

    /** An isolated task whose init exec ignores SIGKILL for longer than the watchdog's bound loses its host. */
    void startKillWatchdog(ScheduledExecutorService scheduler) {
        Duration bound = timeouts.sigkillWatchdog();
        Exec init = task.init();
        ScheduledFuture<?> watchdog = scheduler.schedule(() -> {
            if (init.state() != Exec.State.EXITED) {
                log.warn("task '{}': init exec still running {} after SIGKILL; tearing its host down", task.getId(),
                        bound);
                system.terminate();
                system.close();
            }
        }, bound.toMillis(), TimeUnit.MILLISECONDS);
        init.exited().thenRun(() -> watchdog.cancel(false));
    }

    private boolean stopped(Duration bound) throws InterruptedException {
        try {
            system.exited().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }
}
