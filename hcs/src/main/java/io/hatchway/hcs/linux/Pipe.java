package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A pipe whose write end a child gets ({@link PosixSpawn#spawn(java.nio.file.Path, java.util.List,
 * java.util.List, java.nio.file.Path, PosixSpawn.Streams, java.util.List) passed}) and whose read end
 * the JVM reads with a bound, for a child that reports one line (conmon's sync pipe). Both ends are
 * close-on-exec in the JVM. Not thread-safe: one reader.
 */
public final class Pipe implements AutoCloseable {
    private static final int O_CLOEXEC = 02000000;
    private static final short POLLIN = 1;
    private static final int EINTR = 4;

    private interface Calls extends Library {
        Calls INSTANCE = Native.load("c", Calls.class);

        int pipe2(int[] fds, int flags) throws LastErrorException;

        int poll(Memory fds, long count, int timeoutMillis) throws LastErrorException;

        long read(int fd, Memory buffer, long count) throws LastErrorException;

        int close(int fd);
    }

    private final int readFd;
    private int writeFd;

    private Pipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** @throws LastErrorException the process is out of descriptors */
    public static Pipe open() {
        int[] fds = new int[2];
        Calls.INSTANCE.pipe2(fds, O_CLOEXEC);
        return new Pipe(fds[0], fds[1]);
    }

    /** The write end, for the child. */
    public int writeFd() {
        return writeFd;
    }

    /** Closes the JVM's copy of the write end (once the child has its own), so its end is seen. */
    public void closeWriteEnd() {
        if (writeFd >= 0) {
            Calls.INSTANCE.close(writeFd);
            writeFd = -1;
        }
    }

    /**
     * One line without its newline; at end-of-file, what came before it (empty when nothing did).
     * @return empty when no line and no end-of-file came within {@code bound}
     */
    public Optional<String> readLine(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        Memory poll = new Memory(8); // struct pollfd { int fd; short events; short revents; }
        Memory buffer = new Memory(256);
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return Optional.empty();
            }
            poll.setInt(0, readFd);
            poll.setShort(4, POLLIN);
            poll.setShort(6, (short) 0);
            try {
                if (Calls.INSTANCE.poll(poll, 1, (int) Math.min(left, Integer.MAX_VALUE)) == 0) {
                    continue; // the deadline is checked at the top
                }
                long count = Calls.INSTANCE.read(readFd, buffer, buffer.size());
                if (count <= 0) {
                    return Optional.of(line.toString(StandardCharsets.UTF_8));
                }
                for (byte b : buffer.getByteArray(0, (int) count)) { // what follows the line is not ours
                    if (b == '\n') {
                        return Optional.of(line.toString(StandardCharsets.UTF_8));
                    }
                    line.write(b);
                }
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    return Optional.of(line.toString(StandardCharsets.UTF_8)); // unreadable: as end-of-file
                }
            }
        }
    }

    @Override
    public void close() {
        closeWriteEnd();
        Calls.INSTANCE.close(readFd);
    }
}
