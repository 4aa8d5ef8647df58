package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A pseudo-terminal (openpty(3)) for one process: the JVM keeps the master, the process opens the
 * slave by its path as its controlling terminal ({@link PosixSpawn.ChildStreams.Terminal}). Both
 * JVM descriptors are close-on-exec. Thread-safe.
 */
public final class Pty implements AutoCloseable {
    /** The terminal's end-of-file character (VEOF's default, Ctrl-D). */
    private static final byte EOT = 4;

    private final int master;
    private final Path slave;
    private int slaveFd; // guarded by this; -1 once closed
    private boolean closed; // guarded by this

    private Pty(int master, int slaveFd, Path slave) {
        this.master = master;
        this.slaveFd = slaveFd;
        this.slave = slave;
    }

    /**
     * A new terminal of {@code width} columns and {@code height} rows (0 and 0: the kernel's
     * default, no size).
     *
     * @throws LastErrorException no terminal could be had (out of descriptors or of ptys)
     */
    public static Pty open(int width, int height) {
        int[] master = new int[1];
        int[] slave = new int[1];
        LibC.INSTANCE.openpty(master, slave, null, null, winsize(width, height));
        int ourMaster = -1;
        int ourSlave = -1;
        try {
            ourMaster = closeOnExec(master[0]);
            ourSlave = closeOnExec(slave[0]);
            return new Pty(ourMaster, ourSlave, Files.readSymbolicLink(Path.of("/proc/self/fd/" + ourSlave)));
        } catch (IOException e) {
            LibC.INSTANCE.close(ourMaster);
            LibC.INSTANCE.close(ourSlave);
            throw new LastErrorException(LibC.ENOENT);
        }
    }

    /** openpty(3) gives descriptors a fork would hand on: moved to close-on-exec ones. */
    private static int closeOnExec(int fd) {
        try {
            return LibC.INSTANCE.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    private static short[] winsize(int width, int height) {
        return new short[] {(short) height, (short) width, 0, 0};
    }

    /** The slave's path ({@code /dev/pts/N}), for the process to open. */
    public Path slave() {
        return slave;
    }

    /**
     * Closes the JVM's slave, once the process has its own: from then on the master reads EIO once
     * no process holds the terminal. Idempotent.
     */
    public synchronized void closeSlave() {
        if (slaveFd >= 0) {
            LibC.INSTANCE.close(slaveFd);
            slaveFd = -1;
        }
    }

    /** A close-on-exec copy of the master, the caller's (for a {@link Relay}). */
    public synchronized int copyOfMaster() {
        if (closed) {
            throw new LastErrorException(LibC.EIO);
        }
        return LibC.INSTANCE.fcntl(master, LibC.F_DUPFD_CLOEXEC, 3);
    }

    /**
     * Sets the window size; the terminal's foreground process group gets SIGWINCH. Nothing once
     * closed.
     */
    public synchronized void resize(int width, int height) {
        if (!closed) {
            LibC.INSTANCE.ioctl(master, LibC.TIOCSWINSZ, winsize(width, height));
        }
    }

    /** The window size as {@code {columns, rows}}. */
    public synchronized int[] size() {
        short[] size = new short[4];
        LibC.INSTANCE.ioctl(master, LibC.TIOCGWINSZ, size);
        return new int[] {size[1], size[0]};
    }

    /** Types the end-of-file character: a reader in canonical mode (a shell, {@code cat}) sees end-of-file. */
    public synchronized void endOfInput() {
        if (!closed) {
            try (Memory eot = new Memory(1)) {
                eot.setByte(0, EOT);
                LibC.INSTANCE.write(master, eot, 1);
            } catch (LastErrorException e) { // full or hung up: nobody reads it anyway
            }
        }
    }

    @Override
    public synchronized void close() {
        closeSlave();
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(master);
        }
    }
}
