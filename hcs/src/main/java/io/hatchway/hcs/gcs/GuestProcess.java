package io.hatchway.hcs.gcs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A process the guest agent started, in a container or in the guest itself. The guest forgets it
 * once one wait has given its exit code: a later wait → NotFound (HRESULT 0x80070490), so the exit
 * code is kept here and both ways of waiting share it. Thread-safe.
 */
public interface GuestProcess {
    /** Its pid in the guest. */
    int pid();

    /** The container it runs in; {@link GuestConnection#NULL_CONTAINER_ID} for the guest itself. */
    String containerId();

    /**
     * WaitForProcess with a timeout the guest keeps: the exit code (an unsigned 32-bit value;
     * 4294967295 when the guest could not tell), or DeadlineExceeded after {@code timeout} (the
     * guest's HRESULT 0xC0370109). Unknown pid → NotFound.
     */
    long waitForExit(Duration timeout);

    /**
     * The exit code, from one WaitForProcess without a timeout sent on the first call (hcsshim's
     * way): it stays in flight for the process's life, so bound your own wait on the future;
     * cancelling the future handed out leaves the request and other callers alone. Fails with
     * Unavailable if the connection is lost first. Dependent actions run on a pool thread.
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
