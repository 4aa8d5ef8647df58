package io.hatchway.jolokia;

import com.sun.net.httpserver.HttpHandler;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jolokia.server.core.service.api.JolokiaContext;

/**
 * The threads that serve one exposure's HTTP, sized so that no kind of client can take them all
 * from the others:
 * <ul>
 *   <li>up to {@value #READERS} readers ({@code hatchway-jolokia-http-<n>}), the JDK server's
 *       executor: each reads one request (line, headers, body) under {@link JolokiaHandler#READ_TIMEOUT}
 *       and then serves it, unless it is a long wait; up to {@value #QUEUED} more requests wait for a
 *       reader (beyond: the connection is closed at once), and while any waits, the read that has gone
 *       on longest past {@link #READ_GRACE} is cut (see {@link IoDeadlines});
 *   <li>up to {@value #WAITS} long waits ({@code hatchway-jolokia-wait-<n>}), each completing its
 *       exchange after the reader has moved on (the JDK server lets any thread finish an exchange);
 *   <li>one deadline timer ({@code hatchway-jolokia-deadlines-1}).
 * </ul>
 * All end when idle for 30 s and at {@link #close()}. Thread-safe.
 */
final class ExposurePools implements AutoCloseable {
    static final int READERS = 32;
    static final int QUEUED = 256;
    static final int WAITS = 16;
    static final Duration READ_GRACE = Duration.ofMillis(500);
    private static final long IDLE_SECONDS = 30;

    private final IoDeadlines deadlines;
    private final ThreadPoolExecutor readers;
    private final ThreadPoolExecutor waits;

    ExposurePools(ExposureThreads threads) {
        deadlines = new IoDeadlines(threads.pool("deadlines"));
        readers = new ThreadPoolExecutor(READERS, READERS, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUED), threads);
        readers.allowCoreThreadTimeOut(true);
        waits = new ThreadPoolExecutor(0, WAITS, IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threads.pool("wait"));
    }

    /** The JDK HTTP server's executor. */
    Executor serverExecutor() {
        return deadlines.readingWithin(JolokiaHandler.READ_TIMEOUT, READ_GRACE, readers);
    }

    /** The handler of the Jolokia context, serving on these pools. */
    HttpHandler handler(JolokiaContext context, AccessPolicy policy, RefusalLog refusals) {
        return new JolokiaHandler(context, waits, WAITS, deadlines, policy, refusals);
    }

    /** The handler of {@code /metrics}, serving on these pools. */
    HttpHandler metricsHandler(ExposureMetrics metrics, JolokiaContext access) {
        return new MetricsHandler(metrics, access, deadlines);
    }

    /** Stops every pool: running requests are interrupted. */
    @Override
    public void close() {
        readers.shutdownNow();
        waits.shutdownNow();
        deadlines.close();
    }
}
