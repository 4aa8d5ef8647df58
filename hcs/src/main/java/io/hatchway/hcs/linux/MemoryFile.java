package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An anonymous file in memory (memfd_create(2)) for a child's output: the child gets it as a
 * stream through {@link #path()}, the JVM reads it once the child has exited. Unlike a pipe it
 * never fills up and needs no thread to drain it, and a daemonized grandchild that keeps it open
 * does not hold up the reader.
 */
public final class MemoryFile implements AutoCloseable {
    private final int fd;

    private MemoryFile(int fd) {
        this.fd = fd;
    }

    /** @throws IOException the kernel refused one (out of descriptors or memory) */
    public static MemoryFile open(String name) throws IOException {
        try {
            return new MemoryFile(LibC.INSTANCE.memfd_create(name, LibC.MFD_CLOEXEC));
        } catch (LastErrorException e) {
            throw new IOException("memfd_create: " + LibC.message(e));
        }
    }

    /** Where to open it again ({@code /proc/self/fd/<n>}): each open has its own offset. */
    public Path path() {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** Everything written to it so far, as UTF-8. */
    public String text() throws IOException {
        return new String(Files.readAllBytes(path()), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
