package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file a stream's output is appended to that never holds more than {@code cap} bytes on disk,
 * however fast it is written: before each write, every whole block before the newest {@code cap}
 * bytes is freed (fallocate's punch-hole). The file keeps its size, with a hole where the older
 * output was, so its last {@code cap} bytes are always the newest output, whole. Freeing needs no
 * free space, and past the cap each write reuses what the blocks it freed gave back: the stream
 * never needs more than its cap, even on a disk others filled. A file system without hole
 * punching gets a rotation without a copy: past {@code cap / 2} the file is renamed to
 * {@code <file>.1} (replacing the older one) and a new file begun, so the two hold at most
 * {@code cap} bytes together and the newest {@code cap / 2} to {@code cap} are kept. Output that
 * finds no room on the disk is dropped, never waited for. Not thread-safe: one writer.
 */
public final class CappedFile implements AutoCloseable {
    /** Holes are punched in whole blocks; the usual block size (a partial block stays allocated). */
    static final long BLOCK = 4096;
    private static final int SEEK_END = 2;

    private final Path path;
    private final long cap;
    private int fd;
    private long end; // the file's size: where the next byte lands
    private long freedUpTo; // the file's first bytes, already punched out
    private boolean rotates; // the file system cannot punch holes

    private CappedFile(Path path, long cap, int fd, long end) {
        this.path = path;
        this.cap = cap;
        this.fd = fd;
        this.end = end;
    }

    /**
     * Takes over {@code fd}, {@code path} opened for appending, to write it within {@code cap}.
     *
     * @throws IllegalArgumentException a cap below a block
     */
    public static CappedFile of(Path path, long cap, int fd) {
        if (cap < BLOCK) {
            throw new IllegalArgumentException("cap " + cap + " below a block");
        }
        long end;
        try {
            end = LibC.INSTANCE.lseek(fd, 0, SEEK_END);
        } catch (LastErrorException e) { // not a regular file: nothing to free then
            end = 0;
        }
        return new CappedFile(path, cap, fd, end);
    }

    /** Opens (creates) {@code path} to append to within {@code cap}. */
    public static CappedFile open(Path path, long cap) {
        return of(path, cap, LibC.INSTANCE.open(path.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND
                | LibC.O_CLOEXEC, 0644));
    }

    /** For tests: a file that rotates as on a file system without hole punching. */
    CappedFile rotating() {
        rotates = true;
        return this;
    }

    /** Appends {@code count} bytes of {@code bytes}; what finds no room (ENOSPC and the like) is dropped. */
    public void write(Pointer bytes, long count) {
        long skip = Math.max(0, count - (rotates ? cap / 2 : cap)); // more than is kept: only its newest part
        makeRoom(count - skip);
        long done = skip;
        while (done < count) {
            try {
                long written = LibC.INSTANCE.write(fd, bytes.share(done), count - done);
                done += written;
                end += written;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    return; // no room, or a file removed with its task: the output is dropped
                }
            }
        }
    }

    /** Frees what {@code count} more bytes push out of the newest {@code cap}. */
    private void makeRoom(long count) {
        if (rotates) {
            if (end + count > cap / 2) {
                rotate();
            }
            return;
        }
        long keepFrom = Math.min(end, end + count - cap) / BLOCK * BLOCK;
        if (keepFrom <= freedUpTo) {
            return;
        }
        try {
            LibC.INSTANCE.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, freedUpTo,
                    keepFrom - freedUpTo);
            freedUpTo = keepFrom;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EOPNOTSUPP) {
                rotates = true;
                makeRoom(count);
            }
        }
    }

    /** The file becomes {@code .1} and a new one is begun; failing that, it is emptied. Neither needs room. */
    private void rotate() {
        try {
            Files.move(path, path.resolveSibling(path.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            int next = LibC.INSTANCE.open(path.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC
                    | LibC.O_APPEND | LibC.O_CLOEXEC, 0644);
            LibC.INSTANCE.close(fd);
            fd = next;
        } catch (IOException | LastErrorException e) { // the file went with its task, or no inode is left
            try {
                LibC.INSTANCE.ftruncate(fd, 0);
            } catch (LastErrorException ignored) { // not a regular file
            }
        }
        end = 0;
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
