package io.hatchway.hcs.windows;

import java.io.IOException;

/**
 * One end of a pipe HCS handed us for a process's standard stream ({@code HCS_PROCESS_INFORMATION}'s
 * {@code StdInput}, {@code StdOutput}, {@code StdError}): blocking reads or writes, and a close.
 * Whoever holds it calls at most one method at a time; {@link #close} is called once, by that
 * holder, never while a read or write on it runs (a handle closed under a running call may be
 * reused by another open and the call then reads or writes someone else's file).
 */
interface PipeEnd {

    /**
     * Reads what is there, at least one byte, blocking until some comes.
     *
     * @return the number of bytes read into {@code buffer}, or -1 at the end of the stream (every
     *     writer closed its end)
     * @throws IOException when the pipe fails
     */
    int read(byte[] buffer) throws IOException;

    /**
     * Writes {@code length} bytes of {@code buffer}, blocking while the pipe is full.
     *
     * @throws IOException when the pipe fails or its reader has gone
     */
    void write(byte[] buffer, int length) throws IOException;

    /** Closes the handle. */
    void close();
}
