package io.hatchway.hcs.runc.conmon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.AtomicFile;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.ProcessStreams;
import io.hatchway.hcs.linux.Relay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The terminal of a process under conmon ({@code conmon --terminal}): conmon holds the terminal's
 * master, writes what the process prints into its log ({@code console.log} in the process's
 * monitor directory, k8s-file lines {@code <time> stdout <F|P> <text>}) and takes resizes on its
 * control FIFO ({@code ctl} in its bundle directory, {@code 1 <rows> <columns>}); it keeps the
 * exit status as for any process. The JVM copies the log's text into the exec's stdout, as the
 * process wrote it (a terminal's {@code \r\n} included), on a {@code hatchway-relay-*} thread,
 * and records how far it got ({@code console.offset}), so an agent started again goes on from
 * there: output written while no agent ran is not lost, and what was copied is not copied twice
 * (unless the agent died between a copy and its record). A given stdin is typed into the terminal
 * through conmon's attach socket. Thread-safe.
 */
public final class Console implements ProcessStreams {
    static final String LOG = "console.log";
    private static final String OFFSET = "console.offset";
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long the log is still read once the process has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(1);
    private static final byte EOT = 4;

    private final Path log;
    private final Path offsetFile;
    private final Path control;
    private final int stdout;
    private final Optional<Path> attach;
    private final int input; // the stdin file's descriptor, until its relay starts; -1 without one
    private final AtomicBoolean inputClosed = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile Relay stdinRelay;
    private volatile Relay attachDrain;
    private volatile long drainDeadline; // System.nanoTime(); 0 while the process runs
    private volatile Thread follower;
    private volatile boolean detached; // stop copying now, the rest is the next agent's

    private Console(MonitorDir dir, Path controlDir, int stdout, Optional<Path> attach, int input) {
        this.log = dir.dir().resolve(LOG);
        this.offsetFile = dir.dir().resolve(OFFSET);
        this.control = controlDir.resolve("ctl");
        this.stdout = stdout;
        LibC.INSTANCE.fcntl(stdout, LibC.F_SETFL, LibC.INSTANCE.fcntl(stdout, LibC.F_GETFL, 0) | LibC.O_NONBLOCK);
        this.attach = attach;
        this.input = input;
    }

    /** conmon's arguments for a terminal whose log and attach socket are in {@code dir}. */
    static java.util.List<String> conmonArgs(MonitorDir dir, boolean stdin) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--terminal",
                "-l", "k8s-file:" + dir.dir().resolve(LOG), "--socket-dir-path", dir.dir().toString(),
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
     */
    public static Console open(MonitorDir dir, Path controlDir, Stdio stdio) throws PosixSpawn.SpawnException {
        try (PosixSpawn.OpenStreams files = PosixSpawn.open(new Stdio(stdio.stdin(), stdio.stdout(), Stdio.DEV_NULL),
                Stdio.PEER_TIMEOUT)) {
            int input = stdio.stdin().isPresent() ? files.take(0) : -1;
            return new Console(dir, controlDir, files.take(1), stdio.stdin().isPresent()
                    ? Optional.of(dir.dir().resolve("attach")) : Optional.empty(), input);
        }
    }

    /**
     * The console of a process found again after a restart, when it has one: its log followed on
     * from where the last agent got, into its stdout opened again (a FIFO only if a reader is there
     * now). Its input is not fed any more.
     */
    public static Optional<Console> resume(MonitorDir dir, Path controlDir, Stdio stdio) {
        if (Files.notExists(dir.dir().resolve(LOG))) {
            return Optional.empty();
        }
        try {
            int out = LibC.INSTANCE.open(stdio.stdout().toString(),
                    LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0644);
            Console console = new Console(dir, controlDir, out, Optional.empty(), -1);
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
    void follow() {
        Relay.threads().execute(this::copyLog);
        if (input >= 0) {
            try {
                int socket = connect(attach.get());
                attachDrain = Relay.start(LibC.INSTANCE.fcntl(socket, LibC.F_DUPFD_CLOEXEC, 3),
                        LibC.INSTANCE.open(Stdio.DEV_NULL.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0));
                stdinRelay = Relay.start(input, socket);
            } catch (LastErrorException e) { // no input then, as for a process found again
                LibC.INSTANCE.close(input);
            }
        }
    }

    /** conmon could not be launched: the files go. */
    void abandon() {
        LibC.INSTANCE.close(stdout);
        if (input >= 0) {
            LibC.INSTANCE.close(input);
        }
    }

    /** A connection to conmon's attach socket (SOCK_SEQPACKET), by a short path to its directory. */
    private static int connect(Path socket) {
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
        if (ended.isDone()) {
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
        detached = true;
        finish();
    }

    @Override
    public CompletionStage<Void> finish() {
        for (Relay relay : new Relay[] {stdinRelay, attachDrain}) {
            if (relay != null) {
                relay.stop();
            }
        }
        drainDeadline = System.nanoTime() + DRAIN.toNanos();
        Thread copying = follower;
        if (copying != null) {
            LockSupport.unpark(copying);
        }
        return ended;
    }

    /** Copies the log's text into stdout until the process has exited and the log is read to its end. */
    private void copyLog() {
        follower = Thread.currentThread();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            long offset = readOffset();
            int quiet = 0; // reads in a row at the log's end once the process has exited
            FileChannel channel = null;
            try {
                while (!detached) {
                    long deadline = drainDeadline;
                    if (channel == null) {
                        try {
                            channel = FileChannel.open(log, StandardOpenOption.READ);
                        } catch (NoSuchFileException e) { // not made yet
                        }
                    }
                    int read = channel == null ? 0 : channel.read(buffer.clear(), offset + line.size());
                    if (read > 0) {
                        offset = copyLines(buffer.flip(), line, offset);
                        quiet = 0;
                        continue;
                    }
                    if (deadline != 0 && (++quiet > 2 || System.nanoTime() - deadline > 0)) {
                        return; // exited, and nothing more came for a while
                    }
                    LockSupport.parkNanos(POLL.toNanos());
                }
            } finally {
                if (channel != null) {
                    channel.close();
                }
            }
        } catch (IOException | RuntimeException e) { // the copy ends; the log keeps what was not copied
        } finally {
            follower = null;
            LibC.INSTANCE.close(stdout);
            ended.complete(null);
        }
    }

    /**
     * Copies the text of every whole line in {@code bytes} ({@code line} holds the part of one read
     * before) and records how far it got. @return the offset of the first byte not yet copied
     */
    private long copyLines(ByteBuffer bytes, ByteArrayOutputStream line, long offset) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (b != '\n') {
                line.write(b);
                continue;
            }
            offset += line.size() + 1;
            text.writeBytes(textOf(line.toString(StandardCharsets.UTF_8)));
            line.reset();
        }
        if (text.size() > 0) {
            write(text.toByteArray());
            AtomicFile.write(offsetFile, Long.toString(offset));
        }
        return offset;
    }

    /** A k8s-file line's text: after the time, the stream and the tag; a full line ({@code F}) gets its newline back. */
    static byte[] textOf(String line) {
        String[] fields = line.split(" ", 4);
        if (fields.length < 3) {
            return new byte[0];
        }
        String text = fields.length == 4 ? fields[3] : "";
        return (fields[2].equals("P") ? text : text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private void write(byte[] bytes) {
        try (Memory memory = new Memory(bytes.length)) {
            memory.write(0, bytes, 0, bytes.length);
            long done = 0;
            long until = System.nanoTime() + DRAIN.toNanos();
            while (done < bytes.length) {
                try {
                    done += LibC.INSTANCE.write(stdout, memory.share(done), bytes.length - done);
                } catch (LastErrorException e) {
                    if ((e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR)
                            || System.nanoTime() - until > 0) {
                        return; // a reader that is gone or does not read: the log keeps it
                    }
                    LockSupport.parkNanos(POLL.toNanos());
                }
            }
        }
    }

    private long readOffset() {
        try {
            return Long.parseLong(Files.readString(offsetFile).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
