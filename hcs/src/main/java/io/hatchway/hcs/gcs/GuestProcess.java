package io.hatchway.hcs.gcs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A process the guest agent started, in a container or in the guest itself. The guest forgets it
 * once one wait has given its exit code (a later wait → NotFound, HRESULT 0x80070490), so the code
 * is kept here and both ways of waiting give it. Thread-safe.
 */
public interface GuestProcess {
    /** Its pid in the guest. */
    int pid();

    /** The container it runs in; {@link GuestConnection#NULL_CONTAINER_ID} for the guest itself. */
    String containerId();

    /**
     * The exit code (an unsigned 32-bit value; 4294967295 when the guest could not tell), waiting at
     * most {@code timeout} for the one WaitForProcess of {@link #exitCode()}: on expiry
     * DeadlineExceeded, the process untouched. No other wait is ever sent (see {@link #exitCode()}).
     * A pid the guest does not know → NotFound; the connection lost → Unavailable.
     */
    long waitForExit(Duration timeout);

    /**
     * The exit code, from the one WaitForProcess without a timeout sent as the process started
     * (hcsshim's way: the guest frees a process, and sends a container's exit notification, only once
     * a wait has given the code). It is the one wait the guest ever gets for the process: the v0.12
     * GCS panics when a second wait races the exit. Bound your own wait on it; cancelling the future
     * handed out leaves the request and other callers alone. Fails with Unavailable if the connection
     * is lost first. Dependent actions run on a pool thread.
     */
    CompletableFuture<Long> exitCode();

    /**
     * SignalProcess with a Linux signal number 1–64 (outside → InvalidArgument: the guest would read
     * 0 as SIGKILL). SIGTERM or SIGKILL to a container's init process shuts the container down.
     * A process the guest no longer knows → NotFound.
     */
    void signal(int signal);

    /** ResizeConsole of a terminal process, in characters (1–65535, else InvalidArgument). */
    void resizeConsole(int width, int height);
}
