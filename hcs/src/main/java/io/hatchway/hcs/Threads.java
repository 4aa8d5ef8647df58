package io.hatchway.hcs;

import java.util.concurrent.ExecutorService;
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

    /**
     * A pool for short blocking work (reading a pipe, waiting for a command) that grows as needed
     * and lets a thread go after one idle second, so a quiet Hatchway holds no such threads.
     */
    public static ExecutorService shortLived(String prefix) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemons(prefix));
    }
}
