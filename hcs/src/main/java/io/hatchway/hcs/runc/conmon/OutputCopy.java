package io.hatchway.hcs.runc.conmon;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.AtomicFile;
import io.hatchway.hcs.linux.CappedFile;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.OpenStreams;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.Relay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The streams of a process without a terminal whose kept output has a cap: conmon logs what it
 * writes ({@code output.log}, k8s-file lines, started anew past the largest cap) and the JVM copies
 * each line's text into its stream's file, a kept one through a {@link CappedFile}, recording how
 * far it got ({@code output.offset}), so the next agent goes on from there. The caps are recorded
 * beside the log ({@code output.caps}) for that agent. A given stdin is fed to conmon's attach
 * socket (conmon {@code --stdin}); closing that connection closes the process's input, as an
 * agent that is gone does. Thread-safe.
 */
public final class OutputCopy implements LoggedStreams {
    static final String LOG = "output.log";
    private static final String OFFSET = "output.offset";
    private static final String CAPS = "output.caps";
    /** How long the log is still read once the process has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(1);

    private final LogCopy copy;
    private final long logSizeMax;
    private final Optional<Path> attach;
    private final int input; // the stdin file's descriptor, until its relay starts; -1 without one
    private final Executor threads;
    private volatile Relay stdinRelay;
    private volatile Relay attachDrain;

    private OutputCopy(MonitorDir dir, LogCopy.Sink stdout, LogCopy.Sink stderr, long logSizeMax, int input,
            Executor threads) {
        this.copy = new LogCopy(dir.dir().resolve(LOG), dir.dir().resolve(OFFSET), stdout, stderr, threads);
        this.logSizeMax = logSizeMax;
        // conmon binds it in its bundle directory, reached through the link it makes in its socket directory
        this.attach = input >= 0 ? Optional.of(dir.dir().resolve(dir.dir().getFileName()).resolve("attach"))
                : Optional.empty();
        this.input = input;
        this.threads = threads;
    }

    /**
     * Opens {@code stdio}'s files (FIFOs waited for, bounded) for a process about to be launched
     * under conmon with {@link #conmonArgs}, and records its caps in {@code dir}.
     *
     * @throws IllegalArgumentException {@code stdio} has no cap
     * @throws io.hatchway.hcs.HatchwayException Unavailable when the caps cannot be recorded,
     *     DeadlineExceeded for a FIFO without its peer; nothing is left open
     */
    static OutputCopy open(MonitorDir dir, Stdio stdio, Executor threads) throws PosixSpawn.SpawnException {
        if (!stdio.capped()) {
            throw new IllegalArgumentException("no cap");
        }
        recordCaps(dir, stdio);
        try (OpenStreams files = OpenStreams.open(stdio, Stdio.PEER_TIMEOUT, threads)) {
            int input = stdio.stdin().isPresent() ? files.take(0) : -1;
            return new OutputCopy(dir, sink(stdio.stdout(), stdio.stdoutCap(), files.take(1)),
                    sink(stdio.stderr(), stdio.stderrCap(), files.take(2)), logSizeMax(stdio), input, threads);
        }
    }

    /**
     * The output copy of a process found again after a restart, when it has one: its log followed
     * on from where the last agent got, into its files opened again (a FIFO only if a reader is
     * there now). Its input is not fed any more.
     */
    static Optional<OutputCopy> resume(MonitorDir dir, Stdio stdio, Executor threads) {
        if (Files.notExists(dir.dir().resolve(CAPS))) {
            return Optional.empty();
        }
        int out = -1;
        try {
            Stdio capped = recordedCaps(dir, stdio);
            out = openAgain(capped.stdout());
            int err = openAgain(capped.stderr());
            OutputCopy resumed = new OutputCopy(dir, sink(capped.stdout(), capped.stdoutCap(), out),
                    sink(capped.stderr(), capped.stderrCap(), err), logSizeMax(capped), -1, threads);
            resumed.follow();
            return Optional.of(resumed);
        } catch (RuntimeException e) { // nowhere to copy to: the output stays in the log
            if (out >= 0) {
                LibC.INSTANCE.close(out);
            }
            return Optional.empty();
        }
    }

    /**
     * Records {@code stdio}'s caps in {@code dir}, for an agent that finds the process again.
     *
     * @throws io.hatchway.hcs.HatchwayException Unavailable when it cannot
     */
    static void recordCaps(MonitorDir dir, Stdio stdio) {
        try {
            Files.createDirectories(dir.dir());
            AtomicFile.write(dir.dir().resolve(CAPS), stdio.stdoutCap().orElse(-1) + " " + stdio.stderrCap().orElse(-1));
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("recording the output caps in %s: %s", dir.dir(), e.getMessage());
        }
    }

    /** {@code stdio} with the caps recorded in {@code dir} (none when none were). */
    static Stdio recordedCaps(MonitorDir dir, Stdio stdio) {
        try {
            String[] recorded = Files.readString(dir.dir().resolve(CAPS)).strip().split(" ");
            return stdio.withCaps(cap(recorded[0]), cap(recorded[1]));
        } catch (IOException | RuntimeException e) {
            return stdio;
        }
    }

    private static OptionalLong cap(String recorded) {
        long cap = Long.parseLong(recorded);
        return cap < 0 ? OptionalLong.empty() : OptionalLong.of(cap);
    }

    private static int openAgain(Path file) {
        return LibC.INSTANCE.open(file.toString(),
                LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0644);
    }

    /** A stream's sink: its file within its cap, or as the caller named it. */
    static LogCopy.Sink sink(Path file, OptionalLong cap, int fd) {
        return cap.isPresent() ? LogCopy.Sink.of(CappedFile.of(file, cap.getAsLong(), fd)) : LogCopy.Sink.of(fd);
    }

    /** conmon's log holds no more than the largest cap; a stream the caller named has none and goes with it. */
    private static long logSizeMax(Stdio stdio) {
        return Math.max(stdio.stdoutCap().orElse(0), stdio.stderrCap().orElse(0));
    }

    @Override
    public List<String> conmonArgs(MonitorDir dir) {
        List<String> args = new ArrayList<>(List.of("-l", "k8s-file:" + dir.dir().resolve(LOG),
                "--log-size-max", Long.toString(logSizeMax), "--socket-dir-path", dir.dir().toString()));
        if (input >= 0) { // its input through the attach socket; the connection's close closes it
            args.add("--stdin");
        }
        return args;
    }

    @Override
    public void follow() {
        copy.start();
        if (input >= 0) {
            try {
                int socket = Console.connect(attach.get());
                attachDrain = Relay.start(LibC.INSTANCE.fcntl(socket, LibC.F_DUPFD_CLOEXEC, 3),
                        LibC.INSTANCE.open(Stdio.DEV_NULL.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0), threads);
                stdinRelay = Relay.start(input, socket, threads);
                // the stdin file's end closes the connection, both descriptors of it, and so the process's input
                stdinRelay.ended().thenRun(attachDrain::stop);
            } catch (LastErrorException e) { // no input then, as for a process found again
                LibC.INSTANCE.close(input);
            }
        }
    }

    @Override
    public void abandon() {
        copy.abandon();
        if (input >= 0) {
            LibC.INSTANCE.close(input);
        }
    }

    @Override
    public boolean terminal() {
        return false;
    }

    /** Closes the connection to conmon's attach socket: conmon closes the process's stdin. */
    @Override
    public void closeStdin() {
        stopInput();
    }

    @Override
    public void resize(int width, int height) {
        throw new IllegalStateException("no terminal");
    }

    @Override
    public CompletionStage<Void> finish() {
        stopInput();
        return copy.drain(DRAIN);
    }

    @Override
    public void detach() {
        stopInput();
        copy.stop();
    }

    private void stopInput() {
        for (Relay relay : new Relay[] {stdinRelay, attachDrain}) {
            if (relay != null) {
                relay.stop();
            }
        }
    }
}
