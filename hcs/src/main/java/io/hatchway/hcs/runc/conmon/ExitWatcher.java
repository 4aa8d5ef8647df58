package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.linux.Inotify;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices exits without busy polling: one thread waits on {@link Inotify} for conmon's exit files
 * and for changes of cgroup {@code cgroup.events} files, and checks every waiter once per fallback
 * interval as well, which covers lost events, conmon killed before it could write, and hosts
 * without cgroup v2 events. A watch is added and removed by the caller's own system call, and an
 * exit wakes this thread straight from the kernel: the JDK's {@code WatchService} took a round
 * trip through its own thread for each, about a millisecond per exec. Thread-safe.
 */
public final class ExitWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

    private final Inotify inotify; // null where the kernel gives none: the fallback check alone
    private final Duration fallback;
    private final Thread thread;
    private final Map<Path, Integer> keys = new HashMap<>(); // guarded by this
    private final Map<Integer, Path> dirs = new HashMap<>(); // guarded by this
    private final Map<Path, Set<Waiter<?>>> waitersByDir = new HashMap<>(); // guarded by this
    private final Set<Waiter<?>> waiters = new HashSet<>(); // guarded by this
    private volatile boolean closed;

    /** Starts the watching thread, {@code hatchway-exit-watcher}, one of {@code threads}. */
    public ExitWatcher(Duration fallback, ComputeThreads threads) {
        this.fallback = fallback;
        Inotify opened;
        try {
            opened = Inotify.open();
        } catch (IOException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            log.warn("no inotify ({}): exits are noticed by the check every {} ms alone", e.toString(),
                    fallback.toMillis());
            opened = null;
        }
        this.inotify = opened;
        try {
            this.thread = threads.watch("hatchway-exit-watcher", this::run);
        } catch (RuntimeException e) {
            if (inotify != null) {
                inotify.close();
            }
            throw e;
        }
    }

    /**
     * Completes with the exit status conmon writes into {@code exitFile} once it is there. A
     * monitor gone without writing it (killed) tells nothing about the process: its exit is known
     * only once the process is gone too, and then completes with
     * {@link ComputeProcess#UNKNOWN_EXIT_CODE} (the status went to the process's new parent).
     */
    public CompletableFuture<Long> exitOf(Path exitFile, Monitor monitor) {
        return watch(exitFile.getParent(), () -> {
            Optional<Long> status = readExit(exitFile);
            if (status.isPresent() || monitor.monitorAlive()) {
                return status;
            }
            // The monitor writes the file before it exits: look once more.
            status = readExit(exitFile);
            if (status.isPresent() || monitor.processAlive()) {
                return status;
            }
            return Optional.of(ComputeProcess.UNKNOWN_EXIT_CODE);
        });
    }

    /**
     * Completes once {@code condition} holds, checked at once, on every change in {@code dir} (when
     * it exists and can be watched) and once per fallback interval.
     */
    public CompletableFuture<Void> when(Optional<Path> dir, BooleanSupplier condition) {
        return watch(dir.orElse(null), () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty())
                .thenApply(ignored -> null);
    }

    /** The status in a conmon exit file, or empty when there is none (yet). */
    public static Optional<Long> readExit(Path exitFile) {
        try {
            long code = Long.parseLong(Files.readString(exitFile).strip());
            return Optional.of(code < 0 ? ComputeProcess.UNKNOWN_EXIT_CODE : code);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.of(ComputeProcess.UNKNOWN_EXIT_CODE);
        }
    }

    private <T> CompletableFuture<T> watch(Path dir, Supplier<Optional<T>> check) {
        Waiter<T> waiter = new Waiter<>(dir, check);
        synchronized (this) {
            if (closed) {
                waiter.future.completeExceptionally(new IllegalStateException("exit watcher closed"));
                return waiter.future;
            }
            waiters.add(waiter);
            if (dir != null) {
                waitersByDir.computeIfAbsent(dir, d -> new HashSet<>()).add(waiter);
                if (!keys.containsKey(dir) && inotify != null) {
                    try {
                        int wd = inotify.watch(dir);
                        keys.put(dir, wd);
                        dirs.put(wd, dir);
                    } catch (IOException e) {
                        log.debug("cannot watch {}; the fallback check covers it: {}", dir, e.toString());
                    }
                }
            }
        }
        check(List.of(waiter)); // what happened before the watch was in place
        return waiter.future;
    }

    private void run() {
        try {
            long nextSweep = System.nanoTime() + fallback.toNanos();
            while (!closed && !Thread.currentThread().isInterrupted()) {
                int wait = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(nextSweep - System.nanoTime())));
                Set<Integer> touched;
                if (inotify == null) {
                    try {
                        Thread.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                    touched = Set.of();
                } else {
                    Optional<Set<Integer>> seen = inotify.await(wait);
                    if (seen.isEmpty()) {
                        return; // closed
                    }
                    touched = seen.get();
                }
                List<Waiter<?>> due = new ArrayList<>();
                synchronized (this) {
                    if (System.nanoTime() - nextSweep >= 0 || touched.contains(Inotify.OVERFLOW)) {
                        due.addAll(waiters);
                        nextSweep = System.nanoTime() + fallback.toNanos();
                    } else {
                        for (int wd : touched) {
                            Path dir = dirs.get(wd);
                            if (dir != null) {
                                due.addAll(waitersByDir.getOrDefault(dir, Set.of()));
                            }
                        }
                    }
                }
                check(due);
            }
        } finally {
            if (inotify != null) {
                inotify.close();
            }
        }
    }

    private void check(List<Waiter<?>> due) {
        for (Waiter<?> waiter : due) {
            boolean done;
            try {
                done = waiter.check();
            } catch (RuntimeException e) {
                log.warn("exit check failed; retried at the next change", e);
                done = false;
            }
            if (done) {
                forget(waiter);
            }
        }
    }

    private synchronized void forget(Waiter<?> waiter) {
        waiters.remove(waiter);
        if (waiter.dir == null) {
            return;
        }
        Set<Waiter<?>> same = waitersByDir.get(waiter.dir);
        if (same != null) {
            same.remove(waiter);
            if (same.isEmpty()) {
                waitersByDir.remove(waiter.dir);
                Integer wd = keys.remove(waiter.dir);
                if (wd != null) {
                    dirs.remove(wd);
                    inotify.unwatch(wd);
                }
            }
        }
    }

    /** Stops watching; pending futures never complete. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (inotify != null) {
            inotify.close(); // wakes the thread, which ends
        }
        thread.interrupt();
    }

    private static final class Waiter<T> {
        final Path dir;
        final Supplier<Optional<T>> check;
        final CompletableFuture<T> future = new CompletableFuture<>();

        Waiter(Path dir, Supplier<Optional<T>> check) {
            this.dir = dir;
            this.check = check;
        }

        /** @return whether the waiter is done */
        synchronized boolean check() {
            if (future.isDone()) {
                return true;
            }
            Optional<T> result = check.get();
            result.ifPresent(future::complete);
            return result.isPresent();
        }
    }
}
