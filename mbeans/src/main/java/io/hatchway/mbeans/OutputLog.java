package io.hatchway.mbeans;

import com.sun.jna.LastErrorException;
import io.hatchway.hcs.linux.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Output of an exec that Hatchway keeps: a file the process appends to directly (no copying thread
 * per stream), bounded in place. Once the file holds more than the cap, every block before its last
 * {@code cap} bytes is freed (fallocate's punch-hole): the file keeps its size, with a hole where
 * the old output was, and the process keeps appending at its end. Freeing needs no free space and
 * loses no byte of the last {@code cap}, so it works on a full disk and frees it. A file system
 * without hole punching gets the old rotation: the file is copied to {@code <file>.1} (skipped when
 * there is no room) and truncated. Thread-safe.
 */
final class OutputLog {
    /** Default cap per stream: 1 MiB. */
    static final long DEFAULT_CAP = 1 << 20;
    /** Holes are punched in whole blocks; the usual block size (a partial block stays allocated). */
    private static final long BLOCK = 4096;

    private final Path file;
    private final Path previous;
    private final long cap;
    private long freedUpTo; // guarded by this: the file's first bytes already punched out
    private boolean holesUnsupported; // guarded by this
    private boolean closed; // guarded by this

    OutputLog(Path file, long cap) {
        this.file = file;
        this.previous = file.resolveSibling(file.getFileName() + ".1");
        this.cap = cap;
    }

    Path file() {
        return file;
    }

    /**
     * From now on this log leaves its files alone: its exec is deleted, and a new exec with the same
     * id may already write to the same path.
     */
    synchronized void close() {
        closed = true;
    }

    /** Frees what is over the cap. */
    synchronized void enforceCap() {
        if (closed) {
            return;
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) { // not created yet, or deleted with its task
            return;
        }
        if (size <= cap) {
            freedUpTo = 0; // a new or truncated file
            return;
        }
        if (!holesUnsupported && punchHole(size)) {
            return;
        }
        rotate();
    }

    /** Frees the blocks before the last {@code cap} bytes; false where the file system cannot. */
    private boolean punchHole(long size) {
        long end = (size - cap) / BLOCK * BLOCK;
        if (end < freedUpTo) {
            freedUpTo = 0; // truncated and written again since
        }
        if (end == freedUpTo) {
            return true;
        }
        int fd;
        try {
            fd = LibC.INSTANCE.open(file.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            return true; // deleted meanwhile
        }
        try {
            LibC.INSTANCE.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, freedUpTo, end - freedUpTo);
            freedUpTo = end;
            return true;
        } catch (LastErrorException e) {
            holesUnsupported = e.getErrorCode() == LibC.EOPNOTSUPP;
            return !holesUnsupported;
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /** Copies the file to {@code .1} when there is room, then truncates it: the disk is freed either way. */
    private void rotate() {
        try {
            Files.copy(file, previous, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) { // a full disk: the older output goes
            try {
                Files.deleteIfExists(previous);
            } catch (IOException ignored) { // deleted with its task
            }
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        } catch (IOException e) { // deleted with its task
        }
    }

    /** The last {@code cap} bytes written, as UTF-8 text. */
    synchronized String read() {
        byte[] current = tail(file, cap);
        byte[] older = tail(previous, cap - current.length);
        ByteBuffer both = ByteBuffer.allocate(older.length + current.length).put(older).put(current);
        return new String(both.array(), StandardCharsets.UTF_8);
    }

    /**
     * The last {@code count} lines of {@link #read()}, newest last, without their line ends; a line
     * still being written (no newline yet) is the last one. Fewer when less was written; when the
     * kept bytes hold fewer lines, the first may be cut at its start.
     */
    String[] lastLines(int count) {
        String text = read();
        if (text.isEmpty()) {
            return new String[0];
        }
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int begin = 0;
        int at = end;
        for (int i = 0; i < count; i++) {
            int newline = text.lastIndexOf('\n', at - 1);
            if (newline < 0) {
                begin = 0;
                break;
            }
            begin = newline + 1;
            at = newline;
        }
        String[] lines = text.substring(begin, end).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].endsWith("\r")) { // a \r\n line end
                lines[i] = lines[i].substring(0, lines[i].length() - 1);
            }
        }
        return lines;
    }

    private static byte[] tail(Path path, long max) {
        if (max <= 0) {
            return new byte[0];
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            long start = Math.max(0, size - max);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - start));
            while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
                // read until full or end of file
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
