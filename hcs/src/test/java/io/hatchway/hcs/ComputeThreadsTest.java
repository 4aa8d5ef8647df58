package io.hatchway.hcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.Leftovers;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The compute layer's one owner of threads: what it starts ends once it is closed, and nothing starts after. */
class ComputeThreadsTest {
    private static final String PREFIX = "hatchway-owner-test-";

    @Test
    void closeEndsEveryPoolAndWatcherOnceTheirWorkIsDoneAndDropsWhatWaitsForLater() throws Exception {
        ComputeThreads threads = new ComputeThreads();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = threads.pool(PREFIX + "pool-");
        pool.execute(() -> await(release));
        threads.background().execute(() -> await(release));
        AtomicBoolean ran = new AtomicBoolean();
        Future<?> pending = threads.later(Duration.ofHours(1), () -> ran.set(true));
        threads.watch(PREFIX + "watcher", () -> await(new CountDownLatch(1))); // ends only when interrupted
        assertEquals(2, Leftovers.threadsNamed(PREFIX).size(), "the pool's and the watcher's threads run");

        threads.close();
        assertFalse(threads.ended().isDone(), "work under way finishes: a reaper waits for its process");
        assertTrue(pending.isCancelled() || pending.isDone(), "what waited for later is dropped");
        assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> threads.watch(PREFIX + "late", () -> { }));
        assertThrows(RejectedExecutionException.class, () -> threads.pool(PREFIX + "late-").execute(() -> { }));

        release.countDown();
        threads.ended().get(5, TimeUnit.SECONDS);
        assertFalse(ran.get());
        assertEquals(0, Leftovers.threadsNamed(PREFIX).size(), "no thread of the owner's is left");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
