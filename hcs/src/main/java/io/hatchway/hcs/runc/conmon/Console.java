package io.hatchway.hcs.runc.conmon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.OpenStreams;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.Relay;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The terminal of a process under conmon ({@code conmon --terminal}): conmon holds the terminal's
 * master, writes what the process prints into its log ({@code console.log} in the process's
 * monitor directory, k8s-file lines {@code <time> stdout <F|P> <text>}) and takes resizes on its
 * control FIFO ({@code ctl} in its bundle directory, {@code 1 <rows> <columns>}); it keeps the
 * exit status as for any process. The JVM copies the log's text into the exec's stdout, as the
 * process wrote it (a terminal's {@code \r\n} included; {@link LogCopy}), and records how far
 * it got ({@code console.offset}), so an agent started again goes on from there: output written
 * while no agent ran is not lost, and what was copied is not copied twice (unless the agent died
 * between a copy and its record). A given stdin is typed into the terminal
 * through conmon's attach socket. Thread-safe.
 */
public final class Console implements LoggedStreams {
    static final String LOG = "console.log";
    private static final String OFFSET = "console.offset";
    /** How long the log is still read once the process has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(1);
    private static final byte EOT = 4;
    /** conmon's log is started anew past this size ({@code --log-size-max}): the disk is not filled by it. */
    private static final long LOG_SIZE_MAX = 1 << 20;

    private final LogCopy copy;
    private final Path control;
    private final Optional<Path> attach;
    private final int input; // the stdin file's descriptor, until its relay starts; -1 without one
    private final AtomicBoolean inputClosed = new AtomicBoolean();
    private volatile Relay stdinRelay;
    private volatile Relay attachDrain;
    private final Executor threads;

    private Console(MonitorDir dir, Path controlDir, LogCopy.Sink stdout, Optional<Path> attach, int input,
            Executor threads) {
        this.threads = threads;
        this.copy = new LogCopy(dir.dir().resolve(LOG), dir.dir().resolve(OFFSET), stdout, LogCopy.Sink.NONE, threads);
        this.control = controlDir.resolve("ctl");
        this.attach = attach;
        this.input = input;
    }

    /** conmon's arguments for a terminal whose log and attach socket are in {@code dir}. */
    @Override
    public java.util.List<String> conmonArgs(MonitorDir dir) {
        boolean stdin = typesInput();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--terminal",
                "-l", "k8s-file:" + dir.dir().resolve(LOG), "--log-size-max", Long.toString(LOG_SIZE_MAX),
                "--socket-dir-path", dir.dir().toString(),
                "--leave-stdin-open"));
        if (stdin) {
            args.add("--stdin");
        }
        return args;
    }

    /**
     * Opens {@code stdio}'s stdout (a FIFO waited for, bounded) and stdin for the terminal of a
     * process about to be launched under conmon with {@link #conmonArgs}; {@link #follow} starts
     * the copies once conmon runs, {@link #abandon} lets go when it could not.
     *
     * @param controlDir the directory conmon makes its control FIFO in (its bundle directory)
     * @param threads where the FIFO opens and the copies run (each blocks its thread)
     */
    public static Console open(MonitorDir dir, Path controlDir, Stdio stdio, Executor threads)
            throws PosixSpawn.SpawnException {
        OutputCopy.recordCaps(dir, stdio);
        try (OpenStreams files = OpenStreams.open(new Stdio(stdio.stdin(), stdio.stdout(), Stdio.DEV_NULL),
                Stdio.PEER_TIMEOUT, threads)) {
            int input = stdio.stdin().isPresent() ? files.take(0) : -1;
            return new Console(dir, controlDir, OutputCopy.sink(stdio.stdout(), stdio.stdoutCap(), files.take(1)),
                    stdio.stdin().isPresent()
                    ? Optional.of(dir.dir().resolve("attach")) : Optional.empty(), input, threads);
        }
    }

    /**
     * The console of a process found again after a restart, when it has one: its log followed on
     * from where the last agent got, into its stdout opened again (a FIFO only if a reader is there
     * now), on a thread of {@code threads}. Its input is not fed any more.
     */
    public static Optional<Console> resume(MonitorDir dir, Path controlDir, Stdio stdio, Executor threads) {
        if (Files.notExists(dir.dir().resolve(LOG))) {
            return Optional.empty();
        }
        try {
            int out = LibC.INSTANCE.open(stdio.stdout().toString(),
                    LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0644);
            Stdio capped = OutputCopy.recordedCaps(dir, stdio);
            Console console = new Console(dir, controlDir, OutputCopy.sink(capped.stdout(), capped.stdoutCap(), out),
                    Optional.empty(), -1, threads);
            console.inputClosed.set(true);
            console.follow();
            return Optional.of(console);
        } catch (LastErrorException e) { // nowhere to copy to: the output stays in the log
            return Optional.empty();
        }
    }

    /** Whether a stdin file is typed into the terminal (conmon then takes input: {@code --stdin}). */
    boolean typesInput() {
        return input >= 0;
    }

    /** conmon runs: the log is followed into stdout, the stdin file typed into the terminal. */
    @Override
    public void follow() {
        copy.start();
        if (input >= 0) {
            try {
                int socket = connect(attach.get());
                attachDrain = Relay.start(LibC.INSTANCE.fcntl(socket, LibC.F_DUPFD_CLOEXEC, 3),
                        LibC.INSTANCE.open(Stdio.DEV_NULL.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0), threads);
                stdinRelay = Relay.start(input, socket, threads);
            } catch (LastErrorException e) { // no input then, as for a process found again
                LibC.INSTANCE.close(input);
            }
        }
    }

    /** conmon could not be launched: the files go. */
    @Override
    public void abandon() {
        copy.abandon();
        if (input >= 0) {
            LibC.INSTANCE.close(input);
        }
    }

    /** A connection to conmon's attach socket (SOCK_SEQPACKET), by a short path to its directory. */
    static int connect(Path socket) {
        int dir = LibC.INSTANCE.open(socket.getParent().toString(), LibC.O_PATH | LibC.O_CLOEXEC, 0);
        try {
            int fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.O_CLOEXEC, 0);
            byte[] address = new byte[110]; // struct sockaddr_un: sa_family_t, then the path
            address[0] = (byte) LibC.AF_UNIX;
            byte[] path = ("/proc/self/fd/" + dir + "/" + socket.getFileName()).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(path, 0, address, 2, path.length);
            try {
                LibC.INSTANCE.connect(fd, address, address.length);
                return fd;
            } catch (LastErrorException e) {
                LibC.INSTANCE.close(fd);
                throw e;
            }
        } finally {
            LibC.INSTANCE.close(dir);
        }
    }

    @Override
    public boolean terminal() {
        return true;
    }

    @Override
    public void closeStdin() {
        if (!inputClosed.compareAndSet(false, true)) {
            return;
        }
        Relay relay = stdinRelay;
        if (relay == null) {
            return;
        }
        relay.stop();
        try { // the end-of-file character, through a connection of its own
            int socket = connect(attach.get());
            try (Memory eot = new Memory(1)) {
                eot.setByte(0, EOT);
                LibC.INSTANCE.write(socket, eot, 1);
            } finally {
                LibC.INSTANCE.close(socket);
            }
        } catch (LastErrorException e) { // conmon is gone: so is the terminal
        }
    }

    @Override
    public void resize(int width, int height) {
        if (copy.ended().toCompletableFuture().isDone()) {
            return;
        }
        try {
            int fd = LibC.INSTANCE.open(control.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            try (Memory message = new Memory(64)) {
                byte[] text = ("1 " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
                message.write(0, text, 0, text.length);
                LibC.INSTANCE.write(fd, message, text.length);
            } finally {
                LibC.INSTANCE.close(fd);
            }
        } catch (LastErrorException e) { // ENXIO: conmon is gone, and the terminal with it
        }
    }

    @Override
    public void detach() {
        stopRelays();
        copy.stop();
    }

    @Override
    public CompletionStage<Void> finish() {
        stopRelays();
        return copy.drain(DRAIN);
    }

    private void stopRelays() {
        for (Relay relay : new Relay[] {stdinRelay, attachDrain}) {
            if (relay != null) {
                relay.stop();
            }
        }
    }
}
