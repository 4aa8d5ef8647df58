package io.hatchway.hcs.linux;

import java.util.concurrent.CompletionStage;

/**
 * The streams of a launched process that the JVM still serves: its input fed from its stdin file,
 * its terminal's output copied out. What a backend's process asks of them; thread-safe.
 */
public interface ProcessStreams {
    /** Whether the process has a terminal. */
    boolean terminal();

    /**
     * Ends the process's input: a reader sees end-of-file (on a terminal the end-of-file character
     * is typed). Idempotent; never blocks.
     */
    void closeStdin();

    /**
     * Sets the terminal's size; the process gets SIGWINCH. Nothing once it has ended.
     *
     * @throws IllegalStateException the process has no terminal
     */
    void resize(int width, int height);

    /**
     * Once the process has exited: its input stops, the output it wrote is copied (bounded), then
     * everything is let go, but for the copy of an output a background child of the process still
     * writes, which goes on until that child lets go. @return completes once the output is copied,
     * never exceptionally
     */
    CompletionStage<Void> finish();

    /**
     * The JVM lets go while the process runs on (an agent that stops): every copy stops at once,
     * what the process is fed ends, its output stays where its monitor keeps it. Idempotent.
     */
    void detach();
}
