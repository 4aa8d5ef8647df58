package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK does not offer, through JNA. */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int ESRCH = 3;
    int EINVAL = 22;
    int ENOENT = 2;
    int EBUSY = 16;

    /** mount(2) flags. */
    long MS_RDONLY = 1;
    long MS_NOSUID = 2;
    long MS_NODEV = 4;
    long MS_REMOUNT = 32;
    long MS_BIND = 4096;
    long MS_REC = 16384;
    long MS_PRIVATE = 1 << 18;
    long MS_SLAVE = 1 << 19;
    long MS_SHARED = 1 << 20;

    /** umount2(2) flag: detach now, clean up once no longer busy. */
    int MNT_DETACH = 2;
    int _SC_CLK_TCK = 2;
    int _SC_PAGESIZE = 30;

    /** kill(2): delivers any signal, not only the TERM and KILL {@link Process} offers. */
    int kill(int pid, int signal) throws LastErrorException;

    int getuid();

    /** mkfifo(3): a named pipe, for the conmon sync pipe ({@code io.hatchway.hcs.runc.conmon}). */
    int mkfifo(String path, int mode) throws LastErrorException;

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
     * sure {@code pid} is still its process (not reaped, so not reused). @throws
     * io.hatchway.hcs.HatchwayException Unavailable for any other failure
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
            throw io.hatchway.hcs.ErrorKind.Unavailable.error("kill(%d, %d): %s", pid, signal, message(e));
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

    /** The OS's message for a failed call, e.g. {@code No such file or directory}. */
    static String message(LastErrorException e) {
        try {
            return INSTANCE.strerror(e.getErrorCode());
        } catch (RuntimeException | UnsatisfiedLinkError inner) {
            return "errno " + e.getErrorCode();
        }
    }
}
