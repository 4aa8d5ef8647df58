package io.hatchway.hcs.runc.conmon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.hatchway.hcs.linux.AtomicFile;
import io.hatchway.hcs.linux.CappedFile;
import io.hatchway.hcs.linux.LibC;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * conmon's k8s-file log ({@code <time> <stdout|stderr> <F|P> <text>} lines) copied, as the text
 * the process wrote, into its stdout and stderr ({@link Sink}s), on a {@code hatchway-relay-*}
 * thread that looks every 20 ms; how far it got is recorded beside the log, and a copy started
 * again (by the next agent) goes on from there. A log conmon started anew (past its size) is
 * followed into the new one. It owns the sinks and closes them as it ends. Thread-safe.
 */
final class LogCopy {
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long a write may wait for a reader that does not read. */
    private static final Duration WRITE_BOUND = Duration.ofSeconds(1);

    private final Path log;
    private final Path offsetFile;
    private final Sink stdout;
    private final Sink stderr;
    private final Executor threads;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile long drainDeadline; // System.nanoTime(); 0 while the process runs
    private volatile boolean detached; // stop copying now, the rest is the next agent's
    private volatile Thread follower;

    /**
     * @param stdout where the text of {@code stdout} lines goes
     * @param stderr where the text of {@code stderr} lines goes
     * @param threads where the copy runs (it blocks its thread while the process runs)
     */
    LogCopy(Path log, Path offsetFile, Sink stdout, Sink stderr, Executor threads) {
        this.log = log;
        this.threads = threads;
        this.offsetFile = offsetFile;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Where one stream's text goes. */
    interface Sink {
        /** Writes {@code bytes}, or drops them when they cannot be written (bounded: never waits long). */
        void write(byte[] bytes);

        void close();

        /** Nowhere: the text is dropped. */
        Sink NONE = new Sink() {
            @Override
            public void write(byte[] bytes) {
            }

            @Override
            public void close() {
            }
        };

        /**
         * A descriptor (a file or FIFO the caller named), made non-blocking: a write waits at most
         * {@link #WRITE_BOUND} for a reader that does not read.
         */
        static Sink of(int fd) {
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, LibC.INSTANCE.fcntl(fd, LibC.F_GETFL, 0) | LibC.O_NONBLOCK);
            return new Sink() {
                @Override
                public void write(byte[] bytes) {
                    writeBounded(fd, bytes);
                }

                @Override
                public void close() {
                    LibC.INSTANCE.close(fd);
                }
            };
        }

        /** A kept output, held within its cap. */
        static Sink of(CappedFile file) {
            return new Sink() {
                @Override
                public void write(byte[] bytes) {
                    try (Memory memory = new Memory(bytes.length)) {
                        memory.write(0, bytes, 0, bytes.length);
                        file.write(memory, bytes.length);
                    }
                }

                @Override
                public void close() {
                    file.close();
                }
            };
        }
    }

    void start() {
        threads.execute(this::copyLog);
    }

    /** Never started: the sinks go. */
    void abandon() {
        stdout.close();
        stderr.close();
    }

    /** The process has exited: the copy ends once the log is read to its end, at most {@code bound} from now. */
    CompletionStage<Void> drain(Duration bound) {
        drainDeadline = System.nanoTime() + bound.toNanos();
        Thread copying = follower;
        if (copying != null) {
            LockSupport.unpark(copying);
        }
        return ended;
    }

    /** Stops now, the rest left in the log. */
    void stop() {
        detached = true;
        drain(Duration.ZERO);
    }

    CompletionStage<Void> ended() {
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
            Object opened = null; // the log's file key when opened
            try {
                while (!detached) {
                    long deadline = drainDeadline;
                    if (channel != null && replaced(channel, opened, offset + line.size())) { // conmon started its log anew
                        channel.close();
                        channel = null;
                        offset = 0;
                        line.reset();
                    }
                    if (channel == null) {
                        try {
                            opened = Files.readAttributes(log, BasicFileAttributes.class).fileKey();
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
            stdout.close();
            stderr.close();
            ended.complete(null);
        }
    }

    /**
     * Whether conmon started its log anew (past its {@code --log-size-max}) since {@code channel} was
     * opened: cut below what was read, or replaced by a new file once the old one is read to its end
     * ({@code read}).
     */
    private boolean replaced(FileChannel channel, Object opened, long read) throws IOException {
        if (channel.size() < read) {
            return true;
        }
        try {
            return channel.size() == read
                    && !Objects.equals(opened, Files.readAttributes(log, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Copies the text of every whole line in {@code bytes} ({@code line} holds the part of one read
     * before) and records how far it got. @return the offset of the first byte not yet copied
     */
    private long copyLines(ByteBuffer bytes, ByteArrayOutputStream line, long offset) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = offset;
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (b != '\n') {
                line.write(b);
                continue;
            }
            offset += line.size() + 1;
            String text = line.toString(StandardCharsets.UTF_8);
            (isStderr(text) ? err : out).writeBytes(textOf(text));
            line.reset();
        }
        if (out.size() > 0) {
            stdout.write(out.toByteArray());
        }
        if (err.size() > 0) {
            stderr.write(err.toByteArray());
        }
        if (offset != start) {
            try {
                AtomicFile.write(offsetFile, Long.toString(offset));
            } catch (IOException e) { // a full disk: the copy goes on; a next agent may copy some lines twice
            }
        }
        return offset;
    }

    /** Whether a k8s-file line is of stderr: {@code <time> stderr ...}. */
    static boolean isStderr(String line) {
        int space = line.indexOf(' ');
        return space >= 0 && line.startsWith("stderr ", space + 1);
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

    private static void writeBounded(int fd, byte[] bytes) {
        try (Memory memory = new Memory(bytes.length)) {
            memory.write(0, bytes, 0, bytes.length);
            long done = 0;
            long until = System.nanoTime() + WRITE_BOUND.toNanos();
            while (done < bytes.length) {
                try {
                    done += LibC.INSTANCE.write(fd, memory.share(done), bytes.length - done);
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
