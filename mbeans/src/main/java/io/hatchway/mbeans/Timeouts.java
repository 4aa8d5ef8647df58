package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bounds of CONTRACT.md's waits, defaults as there. Every wait in Hatchway uses one of these
 * or a caller's {@code timeoutMillis} checked by {@link #callerTimeout}.
 */
public record Timeouts(Duration sigkillWatchdog, Duration deleteTeardown, Duration shutdown,
        Duration terminate, Duration stdioDrain, Duration guestStacks) {

    /** Longest wait a caller may ask for: one hour. */
    public static final long MAX_CALLER_TIMEOUT_MILLIS = 3_600_000;

    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(5));

    /** @throws io.hatchway.hcs.HatchwayException InvalidArgument outside 0..{@link #MAX_CALLER_TIMEOUT_MILLIS} */
    static Duration callerTimeout(long timeoutMillis) {
        if (timeoutMillis < 0 || timeoutMillis > MAX_CALLER_TIMEOUT_MILLIS) {
            throw ErrorKind.InvalidArgument.error("timeoutMillis %d: must be between 0 and %d", timeoutMillis,
                    MAX_CALLER_TIMEOUT_MILLIS);
        }
        return Duration.ofMillis(timeoutMillis);
    }

    /** Waits a bounded time; expiry → DeadlineExceeded {@code waiting for <what>}. */
    static void await(CompletableFuture<?> future, Duration timeout, String what) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ErrorKind.DeadlineExceeded.error("waiting for %s: timed out after %d ms", what, timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorKind.DeadlineExceeded.error("waiting for %s: interrupted", what);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
