package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A child's standard streams as the JVM gives them, from its {@link Stdio}, for {@link PosixSpawn}:
 * <ul>
 * <li>no stdin: {@code /dev/null}, and stdout and stderr straight into their files, no copying;
 * <li>an output with a cap ({@link Stdio#stdoutCap}): the process writes a pipe the JVM empties
 * into a {@link CappedFile} ({@link Relay}), so the file never holds more than its cap, however fast
 * the process writes; the process is never held up by it (what finds no room is dropped);
 * <li>a stdin file or FIFO: the process reads a pipe the JVM feeds from it ({@link Relay}), so
 * {@link #closeStdin} can end its input while the file's writer still holds it open;
 * <li>a terminal ({@code terminal: true}): a pseudo-terminal of its own ({@link Pty}) of the spec's
 * {@code consoleSize}, as the process's controlling terminal and its 0, 1 and 2; its output relayed
 * into stdout, stdin relayed into it; stderr left unwritten.
 * </ul>
 * The files are opened (FIFOs waited for, bounded) before anything starts. Once the process has
 * exited, {@link #finish} completes when its output is copied, within {@link #DRAIN}: a terminal's
 * then closes, and its relay ends; a capped output's relay copies on until the last writer of its
 * pipe (a background child of the process) is gone, so no such child meets a broken pipe.
 * Thread-safe.
 */
public final class ChildStdio implements ProcessStreams {
    /** How long the output of a process that exited is still copied (CONTRACT.md: stdio drain after exit). */
    public static final Duration DRAIN = Duration.ofSeconds(1);

    private final Stdio stdio;
    private final OpenStreams files;
    private final Pty pty; // null without a terminal
    private final Executor threads;
    private int input; // the stdin file's descriptor, to relay; -1 without one or once a relay's
    private final int[] pipe = {-1, -1}; // the process's stdin pipe (read end, write end), without a terminal
    private final CappedOutput[] capped = new CappedOutput[2]; // stdout's and stderr's when capped, without a terminal
    private final AtomicBoolean inputClosed = new AtomicBoolean();
    private volatile Relay stdinRelay;
    private volatile Relay outputRelay; // a terminal's

    private boolean started; // guarded by this
    private boolean abandoned; // guarded by this

    private ChildStdio(Stdio stdio, OpenStreams files, Pty pty, int input, Executor threads) {
        this.stdio = stdio;
        this.threads = threads;
        this.files = files;
        this.pty = pty;
        this.input = input;
    }

    /**
     * Opens {@code stdio}'s files (FIFOs bounded by {@link Stdio#PEER_TIMEOUT}) and what the process
     * reads through, for a process without a terminal. FIFO opens and the relays run on
     * {@code threads} (a pool that grows as needed: each blocks its thread).
     *
     * @throws PosixSpawn.SpawnException a file cannot be opened; nothing is left open
     * @throws io.hatchway.hcs.HatchwayException DeadlineExceeded for a FIFO without its peer,
     *     Unavailable when no pipe or terminal can be had; nothing is left open
     */
    public static ChildStdio open(Stdio stdio, Executor threads) throws PosixSpawn.SpawnException {
        return open(stdio, false, 0, 0, threads);
    }

    /**
     * As {@link #open(Stdio, Executor)}, for a process with a terminal of {@code width} columns and
     * {@code height} rows (0 and 0: the kernel's default).
     */
    public static ChildStdio openTerminal(Stdio stdio, int width, int height, Executor threads)
            throws PosixSpawn.SpawnException {
        return open(stdio, true, width, height, threads);
    }

    private static ChildStdio open(Stdio stdio, boolean terminal, int width, int height, Executor threads)
            throws PosixSpawn.SpawnException {
        OpenStreams files = OpenStreams.open(stdio, Stdio.PEER_TIMEOUT, threads);
        Pty pty = null;
        int input = -1;
        ChildStdio streams = null;
        try {
            if (terminal) {
                pty = Pty.open(width, height);
            }
            if (stdio.stdin().isPresent()) {
                input = files.take(0);
            }
            streams = new ChildStdio(stdio, files, pty, input, threads);
            if (pty == null && input >= 0) {
                LibC.INSTANCE.pipe2(streams.pipe, LibC.O_CLOEXEC);
            }
            if (pty == null) {
                streams.openCapped();
            }
            return streams;
        } catch (LastErrorException e) {
            if (streams != null) {
                streams.closePipeEnd(0);
                streams.closePipeEnd(1);
                streams.stopCapped();
            }
            files.close();
            if (pty != null) {
                pty.close();
            }
            if (input >= 0) {
                LibC.INSTANCE.close(input);
            }
            throw ErrorKind.Unavailable.error("no %s for the process: %s", pty == null ? "pipe" : "terminal",
                    LibC.message(e));
        }
    }

    /** What the child gets as its 0, 1 and 2. */
    public PosixSpawn.ChildStreams child() {
        if (pty != null) {
            return new PosixSpawn.ChildStreams.Terminal(pty.slave());
        }
        PosixSpawn.ChildStreams.Descriptors files = this.files.descriptors();
        return new PosixSpawn.ChildStreams.Descriptors(input < 0 ? files.stdin() : pipe[0],
                capped[0] == null ? files.stdout() : capped[0].childEnd(),
                capped[1] == null ? files.stderr() : capped[1].childEnd());
    }

    /** A pipe for each capped output, the process's end of it in place of the file. */
    private void openCapped() {
        if (stdio.stdoutCap().isPresent()) {
            capped[0] = CappedOutput.open();
        }
        if (stdio.stderrCap().isPresent()) {
            capped[1] = CappedOutput.open();
        }
    }

    private synchronized void stopCapped() {
        for (CappedOutput output : capped) {
            if (output != null) {
                output.stop();
            }
        }
    }

    /** The streams as given. */
    public Stdio stdio() {
        return stdio;
    }

    /**
     * The process runs with its own copies: the JVM lets go of the child's ends and starts relaying.
     * At most once, and not after {@link #abandon}.
     */
    public synchronized void started() {
        if (started || abandoned) {
            throw new IllegalStateException("started already, or abandoned");
        }
        started = true;
        closePipeEnd(0);
        if (pty != null) {
            pty.closeSlave();
            int out = files.take(1);
            outputRelay = stdio.stdoutCap().isPresent()
                    ? Relay.start(pty.copyOfMaster(), CappedFile.of(stdio.stdout(), stdio.stdoutCap().getAsLong(), out), threads)
                    : Relay.start(pty.copyOfMaster(), out, threads);
            if (input >= 0) {
                int from = input;
                input = -1;
                stdinRelay = Relay.start(from, pty.copyOfMaster(), threads);
            }
        } else if (input >= 0) {
            int from = input;
            int to = pipe[1];
            input = -1;
            pipe[1] = -1;
            stdinRelay = Relay.start(from, to, threads);
        }
        if (pty == null) {
            if (capped[0] != null) {
                capped[0].start(stdio.stdout(), stdio.stdoutCap().getAsLong(), files.take(1), threads);
            }
            if (capped[1] != null) {
                capped[1].start(stdio.stderr(), stdio.stderrCap().getAsLong(), files.take(2), threads);
            }
        }
        files.close();
    }

    /**
     * The launch failed: everything goes (relays already started stop at once). Idempotent.
     */
    public synchronized void abandon() {
        if (abandoned) {
            return;
        }
        abandoned = true;
        if (started) {
            stopRelays();
            if (pty != null) {
                pty.close();
            }
            return;
        }
        closePipeEnd(0);
        closePipeEnd(1);
        stopCapped();
        files.close();
        if (input >= 0) {
            LibC.INSTANCE.close(input);
            input = -1;
        }
        if (pty != null) {
            pty.close();
        }
    }

    @Override
    public void detach() {
        stopRelays();
    }

    private void stopRelays() {
        stopCapped();
        for (Relay relay : new Relay[] {stdinRelay, outputRelay}) {
            if (relay != null) {
                relay.stop();
            }
        }
    }

    private void closePipeEnd(int end) {
        if (pipe[end] >= 0) {
            LibC.INSTANCE.close(pipe[end]);
            pipe[end] = -1;
        }
    }

    @Override
    public boolean terminal() {
        return pty != null;
    }

    /**
     * Ends the process's input: its stdin pipe is closed (a reader sees end-of-file); on a terminal
     * the end-of-file character is typed once, what the stdin file still sends no longer relayed.
     * Idempotent.
     */
    @Override
    public void closeStdin() {
        if (!inputClosed.compareAndSet(false, true)) {
            return;
        }
        Relay relay = stdinRelay;
        if (relay != null) {
            relay.stop();
        }
        if (pty != null) {
            pty.endOfInput();
        }
    }

    /** Resizes the terminal (the process gets SIGWINCH); nothing once it is closed. */
    @Override
    public void resize(int width, int height) {
        if (pty == null) {
            throw new IllegalStateException("no terminal");
        }
        pty.resize(width, height);
    }

    /**
     * After the process has exited: input stops, the output still there is relayed within
     * {@link #DRAIN}, then every descriptor is closed. @return completes then, never exceptionally
     */
    @Override
    public CompletionStage<Void> finish() {
        Relay in = stdinRelay;
        if (in != null) {
            in.stop();
        }
        Relay out = outputRelay;
        CompletionStage<Void> drained = out == null ? CompletableFuture.completedFuture(null) : out.drain(DRAIN);
        synchronized (this) {
            for (CappedOutput output : capped) {
                if (output != null) {
                    drained = drained.thenCombine(output.settle(DRAIN), (a, b) -> a);
                }
            }
        }
        return drained.whenComplete((done, error) -> {
            if (pty != null) {
                pty.close();
            }
        });
    }
}
