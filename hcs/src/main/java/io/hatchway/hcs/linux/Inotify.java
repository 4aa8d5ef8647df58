package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * An inotify(7) instance watching directories for files created, written or renamed into them.
 * Unlike the JDK's {@code WatchService}, which hands every registration to its own thread and
 * waits for it, and relays every event through that thread, a watch is added and removed by the
 * caller's own system call and events are read by the one thread that {@link #await}s them: no
 * thread hop on either path.
 *
 * <p>Thread-safe; {@link #await} is for one thread at a time.
 */
public final class Inotify implements AutoCloseable {
    /** The watch descriptor {@link #await} reports when the kernel's queue overflowed: look at everything. */
    public static final int OVERFLOW = -1;

    private interface Native extends Library {
        Native INSTANCE = Jna.load("c", Native.class);

        int inotify_init1(int flags) throws LastErrorException;

        int inotify_add_watch(int fd, byte[] path, int mask) throws LastErrorException;

        int inotify_rm_watch(int fd, int wd) throws LastErrorException;
    }

    private static final int IN_MODIFY = 0x2;
    private static final int IN_ATTRIB = 0x4;
    private static final int IN_MOVED_TO = 0x80;
    private static final int IN_CREATE = 0x100;
    private static final int IN_ONLYDIR = 0x1000000;
    private static final int IN_Q_OVERFLOW = 0x4000;
    private static final int IN_IGNORED = 0x8000; // the watch went (unwatched, or its directory removed): no change
    private static final int EVENT_HEADER = 16; // struct inotify_event { int wd; u32 mask, cookie, len; char name[]; }

    private final int fd;
    private final int wakeRead;
    private final int wakeWrite;
    private final Memory events = new Memory(16 * 1024);
    private final Memory pollFds = new Memory(16); // two struct pollfd { int fd; short events, revents; }
    private boolean closed; // guarded by this
    private boolean waiting; // guarded by this: a thread is in await, and owns the descriptors meanwhile
    private boolean freed; // guarded by this

    private Inotify(int fd, int wakeRead, int wakeWrite) {
        this.fd = fd;
        this.wakeRead = wakeRead;
        this.wakeWrite = wakeWrite;
    }

    /** @throws IOException when the kernel gives no instance (none left for the user, no inotify) */
    public static Inotify open() throws IOException {
        int[] wake = new int[2];
        int fd;
        try {
            fd = Native.INSTANCE.inotify_init1(LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            throw new IOException("inotify_init1: " + message(e));
        }
        try {
            LibC.INSTANCE.pipe2(wake, LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("pipe2: " + LibC.message(e));
        }
        return new Inotify(fd, wake[0], wake[1]);
    }

    /**
     * Watches directory {@code dir} for files created, written or renamed into it. Watching the
     * same directory again gives the same descriptor. @return the watch descriptor
     *
     * @throws IOException when it cannot be watched (gone, not a directory, no watches left)
     */
    public synchronized int watch(Path dir) throws IOException {
        if (closed) {
            throw new IOException("inotify closed");
        }
        byte[] path = (dir.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        try {
            return Native.INSTANCE.inotify_add_watch(fd, path, IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_ONLYDIR);
        } catch (LastErrorException e) {
            throw new IOException(dir + ": " + LibC.message(e));
        }
    }

    /** Stops watch {@code wd}; one the kernel removed already (its directory is gone) is no failure. */
    public synchronized void unwatch(int wd) {
        if (closed) {
            return;
        }
        try {
            Native.INSTANCE.inotify_rm_watch(fd, wd);
        } catch (LastErrorException e) { // removed with its directory
        }
    }

    /**
     * Waits at most {@code timeoutMillis} for events. @return the watch descriptors that saw one
     * ({@link #OVERFLOW} among them when some were lost), empty when the time ran out; nothing once
     * closed
     */
    public Optional<Set<Integer>> await(int timeoutMillis) {
        synchronized (this) {
            if (closed) {
                return Optional.empty();
            }
            waiting = true;
        }
        try {
            pollFds.setInt(0, fd);
            pollFds.setShort(4, (short) 1); // POLLIN
            pollFds.setShort(6, (short) 0);
            pollFds.setInt(8, wakeRead);
            pollFds.setShort(12, (short) 1);
            pollFds.setShort(14, (short) 0);
            try {
                LibC.INSTANCE.poll(pollFds, 2, timeoutMillis);
            } catch (LastErrorException e) { // EINTR: as a timeout
            }
            synchronized (this) {
                if (closed) {
                    return Optional.empty();
                }
            }
            Set<Integer> touched = new HashSet<>();
            while (true) {
                long n;
                try {
                    n = LibC.INSTANCE.read(fd, events, events.size());
                } catch (LastErrorException e) { // EAGAIN: all read
                    return Optional.of(touched);
                }
                if (n <= 0) {
                    return Optional.of(touched);
                }
                for (long at = 0; at + EVENT_HEADER <= n; at += EVENT_HEADER + events.getInt(at + 12)) {
                    int mask = events.getInt(at + 4);
                    if ((mask & IN_Q_OVERFLOW) != 0) {
                        touched.add(OVERFLOW);
                    } else if ((mask & IN_IGNORED) == 0) {
                        touched.add(events.getInt(at));
                    }
                }
            }
        } finally {
            synchronized (this) {
                waiting = false;
                if (closed) {
                    free();
                }
            }
        }
    }

    /**
     * Frees the descriptors, or, while a thread is in {@link #await}, wakes it to free them as it
     * returns (never under its feet). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!waiting) {
            free();
            return;
        }
        try (Memory one = new Memory(1)) {
            one.setByte(0, (byte) 1);
            LibC.INSTANCE.write(wakeWrite, one, 1);
        } catch (LastErrorException e) { // the pipe is full: a wake-up is pending anyway
        }
    }

    private synchronized void free() {
        if (freed) {
            return;
        }
        freed = true;
        LibC.INSTANCE.close(fd);
        LibC.INSTANCE.close(wakeRead);
        LibC.INSTANCE.close(wakeWrite);
        events.close();
        pollFds.close();
    }

    private static String message(Throwable e) {
        return e instanceof LastErrorException l ? LibC.message(l) : e.toString();
    }
}
