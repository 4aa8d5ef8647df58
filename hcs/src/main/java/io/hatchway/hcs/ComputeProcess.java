package io.hatchway.hcs;

import java.util.concurrent.CompletionStage;

/**
 * One process launched in a {@link ComputeSystem}. hcsshim's {@code cow.Process}. Thread-safe;
 * nothing here blocks.
 */
public interface ComputeProcess {

    /** Exit code reported when the real one cannot be read ({@code uint32(-1)} in containerd). */
    long UNKNOWN_EXIT_CODE = 4294967295L;

    /** The process id as the caller's tools see it (host pid on Linux). */
    int pid();

    /**
     * Delivers {@code signal}, already checked by {@link ComputeSystem#checkSignal}.
     *
     * @return false when the process had already exited, so nothing was delivered
     * @throws HatchwayException Unavailable when delivery failed for another reason
     */
    boolean signal(int signal);

    /**
     * Completes with the exit code once the process has exited and its output is flushed: the code
     * it exited with, 128+N for a death by signal N, {@link #UNKNOWN_EXIT_CODE} when unknown.
     * Never completes exceptionally.
     */
    CompletionStage<Long> exited();

    /**
     * Whether {@link #exited} completes on a thread of this process's own (its reaper), which has
     * nothing else to do: the caller may then run its brief follow-up of the exit right there,
     * waking whoever waits for it with no hop through another thread. False by default: the
     * thread may serve other processes, or the runtime's callbacks, and must not be held.
     */
    default boolean exitsOnOwnThread() {
        return false;
    }

    /**
     * Kills the process at once (SIGKILL), and on a backend without a container to hold them its
     * descendants too. A process that already exited is left alone.
     */
    void kill();

    /**
     * Lets go of what the backend keeps for this process (its exit status kept for recovery
     * included), once the task layer has deleted its exec: until then an exited process is found
     * again, with its status, by {@link ComputeBackend#recover()}. Idempotent; nothing to do by
     * default.
     */
    default void release() {
    }

    /**
     * Closes the process's standard input: a program reading it sees end-of-file, even while the
     * stdin file's own writer stays open (on a terminal the end-of-file character is typed). Nothing
     * for a process without stdin ({@link Stdio}: it reads end-of-file already). Idempotent; never
     * blocks.
     */
    void closeStdin();

    /**
     * Resizes the process's terminal to {@code width} columns and {@code height} rows; the process
     * gets SIGWINCH. Once the process has exited, nothing. Never blocks for long.
     *
     * @throws HatchwayException FailedPrecondition when the process has no terminal
     */
    void resizeConsole(int width, int height);
}
