package io.hatchway.jolokia;

import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Deadlines for the blocking socket I/O of one server's HTTP exchanges (reading a request, writing
 * an answer), and the server's executor, whose threads read requests under them.
 *
 * <p>Why a timer that interrupts: the JDK HTTP server reads a request's line and headers on its
 * executor's thread, with a blocking channel read and no timeout; the handler then reads the body
 * the same way. Its only request timer ({@code sun.net.httpserver.maxReqTime}) is a JVM-wide system
 * property read once, when the JDK's server is first used in the JVM, so it would change the host's
 * own HTTP servers and would do nothing if the host used one before us. A blocking channel read or
 * write ends when its thread is interrupted (the channel is closed and the JDK server drops the
 * connection); so a deadline here is a timer that interrupts the guarded thread unless the guarded
 * step ended first. An interrupt is only ever delivered between {@link #start} and
 * {@link Deadline#end}, and one delivered is consumed by {@code end}, so no interrupt of ours
 * reaches later work on that thread.
 *
 * <p>Reading is also where a client without the password can hold a thread: so when every reader is
 * busy and a request waits for one, the read that has gone on longest is cut as soon as it is older
 * than a grace period, one for each waiting request (an honest client sends its request in
 * milliseconds; one that holds a reader for seconds while others wait loses it).
 *
 * <p>Thread-safe. One timer thread, {@code hatchway-jolokia-deadlines}, ending when idle.
 */
final class IoDeadlines implements AutoCloseable {
    private static final ThreadLocal<Deadline> READING = new ThreadLocal<>();
    private static final Duration RELIEF_INTERVAL = Duration.ofMillis(100);

    private final ScheduledThreadPoolExecutor timer;
    private final Set<Deadline> reads = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean relieving = new AtomicBoolean();

    IoDeadlines(ThreadFactory threads) {
        timer = new ScheduledThreadPoolExecutor(1, threads);
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
    }

    /** A deadline for the calling thread: past {@code timeout}, the thread is interrupted. */
    Deadline start(Duration timeout) {
        Deadline deadline = new Deadline(Thread.currentThread());
        deadline.timer = timer.schedule(deadline::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return deadline;
    }

    /**
     * An executor for the JDK HTTP server: each task (an exchange: reading one request, then its
     * handler) runs on {@code readers} under a read deadline of {@code timeout}, which the handler
     * ends with {@link #endReading()} once it has the whole request. While tasks wait for a reader,
     * reads older than {@code grace} are cut, oldest first, one per waiting task.
     */
    Executor readingWithin(Duration timeout, Duration grace, ThreadPoolExecutor readers) {
        return exchange -> {
            readers.execute(() -> {
                Deadline deadline = start(timeout);
                reads.add(deadline);
                READING.set(deadline);
                try {
                    exchange.run();
                } finally {
                    READING.remove();
                    reads.remove(deadline);
                    deadline.end();
                }
            });
            if (!readers.getQueue().isEmpty() && relieving.compareAndSet(false, true)) {
                timer.execute(() -> relieve(grace, readers));
            }
        };
    }

    /**
     * Ends the read deadline of the exchange running on this thread: the request is read.
     *
     * @return true when it was read in time (or no read deadline runs on this thread); false when
     *         the deadline passed and the connection is being dropped
     */
    static boolean endReading() {
        Deadline deadline = READING.get();
        return deadline == null || deadline.end();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    // On the timer: cut the oldest reads past their grace, one per waiting task; while tasks wait,
    // look again every RELIEF_INTERVAL (the reads that start meanwhile come due in their turn).
    private void relieve(Duration grace, ThreadPoolExecutor readers) {
        long now = System.nanoTime();
        int waiting = readers.getQueue().size();
        var oldestFirst = reads.stream().filter(read -> !read.ended())
                .sorted(Comparator.comparingLong(read -> read.started)).toList();
        for (Deadline read : oldestFirst) {
            if (waiting == 0 || read.started + grace.toNanos() > now) {
                break;
            }
            read.expire();
            waiting--;
        }
        if (!readers.getQueue().isEmpty()) {
            timer.schedule(() -> relieve(grace, readers), RELIEF_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        relieving.set(false);
        // a task queued since the check found the flag still set and left it to us
        if (!readers.getQueue().isEmpty() && relieving.compareAndSet(false, true)) {
            timer.execute(() -> relieve(grace, readers));
        }
    }

    /** One guarded step of one thread. */
    static final class Deadline {
        private final Thread thread;
        private final long started = System.nanoTime();
        private Future<?> timer;
        private boolean ended;
        private boolean expired;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        private synchronized void expire() {
            if (!ended) {
                expired = true;
                ended = true;
                thread.interrupt();
            }
        }

        private synchronized boolean ended() {
            return ended;
        }

        /**
         * Ends the deadline; called by the guarded thread. After an expiry the interrupt it caused
         * is consumed here.
         *
         * @return true when the step ended in time; false when the deadline had passed
         */
        boolean end() {
            boolean inTime;
            synchronized (this) {
                inTime = !expired;
                ended = true;
            }
            timer.cancel(false);
            if (!inTime) {
                Thread.interrupted();
            }
            return inTime;
        }
    }
}
