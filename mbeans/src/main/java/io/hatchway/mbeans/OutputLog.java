package io.hatchway.mbeans;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Output of an exec that Hatchway keeps: a file the process appends to directly (no copying thread
 * per stream), bounded by rotation. Once the file holds more than the cap, it is copied to
 * {@code <file>.1} and truncated; the process keeps writing at the new end because the file was
 * opened for appending. Bytes written between the copy and the truncation are lost, as with
 * logrotate's copytruncate. Thread-safe.
 */
final class OutputLog {
    /** Default cap per stream: 1 MiB. */
    static final long DEFAULT_CAP = 1 << 20;

    private final Path file;
    private final Path previous;
    private final long cap;
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

    /** Rotates the file when it is over the cap. */
    synchronized void enforceCap() {
        if (closed) {
            return;
        }
        try {
            if (Files.size(file) <= cap) {
                return;
            }
            Files.copy(file, previous, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
        } catch (IOException e) { // not created yet, or deleted with its task
        }
    }

    /** The last {@code cap} bytes written, as UTF-8 text. */
    synchronized String read() {
        byte[] current = tail(file, cap);
        byte[] older = tail(previous, cap - current.length);
        ByteBuffer both = ByteBuffer.allocate(older.length + current.length).put(older).put(current);
        return new String(both.array(), StandardCharsets.UTF_8);
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
            return java.util.Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
