package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The few libc calls the JDK does not offer, through JNA. Out-parameters are Java arrays (JNA
 * copies them in and out) and buffers are {@link Memory} closed after use, so neither waits for a
 * garbage collection and JNA's clean-up thread to be freed (see {@link Jna}).
 */
public interface LibC extends Library {
    LibC INSTANCE = Jna.load("c", LibC.class);

    int ESRCH = 3;
    int EINVAL = 22;
    int ENOENT = 2;
    /** open(2) of a FIFO's write end, non-blocking, while it has no reader. */
    int ENXIO = 6;
    int EOPNOTSUPP = 95;
    /** read(2)/write(2) of a non-blocking descriptor that is not ready. */
    int EAGAIN = 11;
    /** read(2) of a pseudo-terminal's master once no process holds its slave open. */
    int EIO = 5;
    /** write(2) into a pipe whose read end is closed (the JVM ignores SIGPIPE). */
    int EPIPE = 32;
    /** fallocate(2) modes: free a range's blocks, the file's size unchanged. */
    int FALLOC_FL_KEEP_SIZE = 1;
    int FALLOC_FL_PUNCH_HOLE = 2;

    /** mount(2) flags. */
    long MS_RDONLY = 1;
    long MS_NOSUID = 2;
    long MS_NODEV = 4;
    long MS_REMOUNT = 32;
    long MS_BIND = 4096;
    long MS_REC = 16384;
    long MS_PRIVATE = 1 << 18;
    long MS_SHARED = 1 << 20;

    /** umount2(2) flag: detach now, clean up once no longer busy. */
    int MNT_DETACH = 2;
    int _SC_CLK_TCK = 2;
    int _SC_PAGESIZE = 30;

    int EINTR = 4;
    /** open(2), pipe2(2) and memfd_create(2) flags. */
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CREAT = 0100;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;
    int O_NONBLOCK = 04000;
    /** A descriptor that only names a file: opening it never blocks, even a FIFO. */
    int O_PATH = 010000000;
    int O_DIRECTORY = 0200000;
    int O_CLOEXEC = 02000000;
    int MFD_CLOEXEC = 1;
    /** fcntl(2): a close-on-exec copy at the lowest free descriptor at or above the argument. */
    int F_DUPFD_CLOEXEC = 1030;
    int F_GETFL = 3;
    int F_SETFL = 4;
    int WNOHANG = 1;
    /** socket(2): a local socket, and the kind conmon's attach socket is. */
    int AF_UNIX = 1;
    int SOCK_SEQPACKET = 5;
    /** poll(2) events. */
    short POLLIN = 1;
    short POLLOUT = 4;
    /** ioctl(2) of a terminal: set / get its window size ({@code struct winsize}: rows, columns, 2 × pixels). */
    long TIOCSWINSZ = 0x5414;
    long TIOCGWINSZ = 0x5413;
    /** pidfd_open(2); new system calls have the same number on every architecture. */
    long SYS_PIDFD_OPEN = 434;

    /** kill(2): delivers any signal, not only the TERM and KILL {@link Process} offers. */
    int kill(int pid, int signal) throws LastErrorException;

    int getuid();

    /** open(2); {@code mode} matters only with {@link #O_CREAT}. */
    int open(String path, int flags, int mode) throws LastErrorException;

    int close(int fd);

    /** fallocate(2); {@code offset} and {@code length} are 64-bit off_t. */
    int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

    long read(int fd, Memory buffer, long count) throws LastErrorException;

    /** lseek(2); {@code whence} 2 is SEEK_END. */
    long lseek(int fd, long offset, int whence) throws LastErrorException;

    /** ftruncate(2): shrinking frees blocks and needs no free space. */
    int ftruncate(int fd, long length) throws LastErrorException;

    /** write(2) of {@code count} bytes from {@code buffer}. */
    long write(int fd, Pointer buffer, long count) throws LastErrorException;

    /**
     * openpty(3) (in libc since glibc 2.34): a pseudo-terminal's master and slave, each a
     * one-element array; {@code name} and {@code termios} may be null, {@code winsize} is rows,
     * columns and two pixel counts (or null).
     */
    int openpty(int[] master, int[] slave, Pointer name, Pointer termios, short[] winsize) throws LastErrorException;

    /** socket(2). */
    int socket(int domain, int type, int protocol) throws LastErrorException;

    /** connect(2); {@code address} is a {@code struct sockaddr_un}. */
    int connect(int fd, byte[] address, int length) throws LastErrorException;

    /** ioctl(2) whose argument is a {@code struct winsize} ({@link #TIOCSWINSZ}, {@link #TIOCGWINSZ}). */
    int ioctl(int fd, long request, short[] winsize) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    int fcntl(int fd, int command, int argument) throws LastErrorException;

    /** poll(2) on an array of {@code struct pollfd}; see {@link #awaitReadable}. */
    int poll(Memory fds, long count, int timeoutMillis) throws LastErrorException;

    /** waitpid(2); {@code status} is a one-element array. */
    int waitpid(int pid, int[] status, int options) throws LastErrorException;

    long syscall(long number, Object... args) throws LastErrorException;

    int memfd_create(String name, int flags) throws LastErrorException; // glibc 2.27

    long getdents64(int fd, Memory buffer, long size) throws LastErrorException; // glibc 2.30

    /** mount(2). {@code flags} is an unsigned long in C. */
    int mount(String source, String target, String filesystemType, long flags, String data)
            throws LastErrorException;

    /** umount2(2). */
    int umount2(String target, int flags) throws LastErrorException;

    int getgid();

    long sysconf(int name);

    /** strerror(3): the OS's message for an errno value. */
    String strerror(int errno);

    /**
     * kill(2) of a process that may have ended: false when it is gone (ESRCH). The caller makes
     * sure {@code pid} is still its process (not reaped, so not reused).
     *
     * @throws LastErrorException any other failure, with its errno (see {@link #message})
     */
    static boolean signal(int pid, int signal) {
        if (pid <= 0) { // 0 and -1 would reach a whole process group, or every process
            throw new IllegalArgumentException("pid " + pid);
        }
        try {
            INSTANCE.kill(pid, signal);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) {
                return false;
            }
            throw e;
        }
    }

    /**
     * kill(2) where a process that is gone (or a pid that names no single process: 0, 1, -1) is
     * no failure: for clean-up.
     */
    static void killQuietly(int pid, int signal) {
        if (pid > 1) {
            try {
                INSTANCE.kill(pid, signal);
            } catch (LastErrorException e) { // gone meanwhile
            }
        }
    }

    /**
     * Waits at most {@code timeoutMillis} for {@code fd} to be readable (or at its end, or
     * failed: a read then says so). @return false when the time ran out or a signal ended the
     * wait early
     */
    static boolean awaitReadable(int fd, int timeoutMillis) {
        try (Memory pollFd = new Memory(8)) { // struct pollfd { int fd; short events; short revents; }
            pollFd.setInt(0, fd);
            pollFd.setShort(4, (short) 1); // POLLIN
            pollFd.setShort(6, (short) 0);
            return INSTANCE.poll(pollFd, 1, timeoutMillis) > 0;
        } catch (LastErrorException e) {
            return e.getErrorCode() != EINTR;
        }
    }

    /** The OS's message for a failed call, e.g. {@code No such file or directory}. */
    static String message(LastErrorException e) {
        return message(e.getErrorCode());
    }

    /** The OS's message for {@code errno}. */
    static String message(int errno) {
        try {
            return INSTANCE.strerror(errno);
        } catch (RuntimeException | UnsatisfiedLinkError inner) {
            return "errno " + errno;
        }
    }
}
