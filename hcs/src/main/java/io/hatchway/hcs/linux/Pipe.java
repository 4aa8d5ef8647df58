package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A pipe whose write end a child gets (passed to {@link PosixSpawn#spawn} among its
 * inherited descriptors) and whose read end
 * the JVM reads with a bound, for a child that reports one line (conmon's sync pipe). Both ends are
 * close-on-exec in the JVM. Not thread-safe: one reader.
 */
public final class Pipe implements AutoCloseable {
    private final int readFd;
    private int writeFd;

    private Pipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** @throws LastErrorException the process is out of descriptors */
    public static Pipe open() {
        int[] fds = new int[2];
        LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC);
        return new Pipe(fds[0], fds[1]);
    }

    /**
     * A pipe whose write end is also a read end: {@code /proc/self/fd/<read end>} opened for
     * reading and writing. A child given it never meets a broken pipe, even once the JVM and its
     * read end are gone (the child reads too, so a reader is always there), while the JVM still
     * sees end-of-file once the child and everyone it handed the descriptor to are gone. For a
     * child that must outlive the JVM at any moment: conmon exits when a report it writes finds no
     * reader.
     *
     * @throws LastErrorException the process is out of descriptors
     */
    public static Pipe openWithoutBreaking() {
        Pipe pipe = open();
        try {
            int both = LibC.INSTANCE.open("/proc/self/fd/" + pipe.readFd, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
            LibC.INSTANCE.close(pipe.writeFd);
            pipe.writeFd = both;
            return pipe;
        } catch (LastErrorException e) {
            pipe.close();
            throw e;
        }
    }

    /** The write end, for the child. */
    public int writeFd() {
        return writeFd;
    }

    /** Closes the JVM's copy of the write end (once the child has its own), so its end is seen. */
    public void closeWriteEnd() {
        if (writeFd >= 0) {
            LibC.INSTANCE.close(writeFd);
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
        try (Memory buffer = new Memory(256)) {
            return readLine(deadline, line, buffer);
        }
    }

    private Optional<String> readLine(long deadline, ByteArrayOutputStream line, Memory buffer) {
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return Optional.empty();
            }
            if (!LibC.awaitReadable(readFd, (int) Math.min(left, Integer.MAX_VALUE))) {
                continue; // the deadline is checked at the top
            }
            long count;
            try {
                count = LibC.INSTANCE.read(readFd, buffer, buffer.size());
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR) {
                    continue;
                }
                count = 0; // unreadable: as end-of-file
            }
            if (count <= 0) {
                return Optional.of(line.toString(StandardCharsets.UTF_8));
            }
            for (byte b : buffer.getByteArray(0, (int) count)) { // what follows the line is not ours
                if (b == '\n') {
                    return Optional.of(line.toString(StandardCharsets.UTF_8));
                }
                line.write(b);
            }
        }
    }

    @Override
    public void close() {
        closeWriteEnd();
        LibC.INSTANCE.close(readFd);
    }
}
