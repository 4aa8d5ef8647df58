package io.hatchway.jolokia;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread one exposure runs, all daemon and all named {@value #PREFIX}{@code *}: the HTTP
 * workers and the other pools it makes itself, and the JDK HTTP server's dispatcher and idle timer, which the JDK names
 * {@code HTTP-Dispatcher} and {@code idle-timeout-task} and starts from the thread that creates and
 * starts the server. That thread is one of ours, in our own thread group, so those two are found
 * there, renamed with our prefix, and waited for at the end like ours.
 *
 * <p>Our threads' context class loader is the one that loaded Hatchway's Jolokia: Jolokia looks up
 * its service lists ({@code META-INF/jolokia/*}) through the context class loader too, and the host's
 * (which may hold another Jolokia) must not be searched. Thread-safe.
 */
final class ExposureThreads implements ThreadFactory {
    static final String PREFIX = "hatchway-jolokia-";

    private final ThreadGroup group = new ThreadGroup(PREFIX + "threads");
    private final ClassLoader loader = ExposureThreads.class.getClassLoader();
    private final Set<Thread> known = ConcurrentHashMap.newKeySet();
    private final AtomicInteger workers = new AtomicInteger();

    /** An HTTP worker: {@code hatchway-jolokia-http-<n>}. */
    @Override
    public Thread newThread(Runnable task) {
        return thread(task, "http-" + workers.incrementAndGet());
    }

    /** Threads of one more pool, {@code hatchway-jolokia-<kind>-<n>}, in this group and known here. */
    ThreadFactory pool(String kind) {
        AtomicInteger count = new AtomicInteger();
        return task -> thread(task, kind + "-" + count.incrementAndGet());
    }

    /**
     * Runs {@code task} on a new thread {@code hatchway-jolokia-<name>} of our group and waits for it.
     * An interrupt of the caller does not stop the wait (what the task makes would leak); it is
     * passed on by setting the caller's interrupt flag again.
     *
     * @return what {@code task} returned
     * @throws Exception what {@code task} threw
     */
    <T> T runOnOwnThread(String name, Callable<T> task) throws Exception {
        FutureTask<T> future = new FutureTask<>(task);
        Thread thread = thread(future, name);
        thread.start();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        } finally {
            // The task is done; the thread is on its way out. Once this returns it is gone, so a
            // caller that checks for our threads (a failed start must leave none) never sees it.
            long deadline = System.nanoTime() + JOIN_BOUND_NANOS;
            while (thread.isAlive() && System.nanoTime() < deadline) {
                try {
                    thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final long JOIN_BOUND_NANOS = 1_000_000_000L;

    /** Takes the threads that others started in our group (the JDK server's) as ours, renamed. */
    void adoptOthers() {
        Thread[] threads = new Thread[group.activeCount() + 16];
        int count = group.enumerate(threads, false);
        for (int i = 0; i < count; i++) {
            Thread thread = threads[i];
            if (known.add(thread) && !thread.getName().startsWith(PREFIX)) {
                thread.setName(PREFIX + thread.getName());
            }
        }
    }

    /**
     * Waits until every thread started here or adopted has ended, for at most {@code timeout} in all;
     * the calling thread is never waited for.
     *
     * @return true when all have ended
     */
    boolean awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            for (Thread thread : known) {
                while (thread != Thread.currentThread() && thread.isAlive()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedJoin(thread, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Thread thread(Runnable task, String name) {
        Thread thread = new Thread(group, task, PREFIX + name);
        thread.setDaemon(true);
        thread.setContextClassLoader(loader);
        // idle workers end and new ones come: forget the ended ones
        known.removeIf(old -> old.getState() == Thread.State.TERMINATED);
        known.add(thread);
        return thread;
    }
}
