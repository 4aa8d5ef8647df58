package io.hatchway.hcs;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How Hatchway names its threads ({@link #daemons}). The compute layer's threads themselves have
 * one owner, {@link ComputeThreads}, which each backend reaches through
 * {@link BackendContext#threads()}.
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
}
