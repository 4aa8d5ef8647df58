package io.hatchway.bench;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The process backend's launch without the agent around it, timed beside it: the process started
 * directly as a session leader by glibc's {@code posix_spawn} with {@code POSIX_SPAWN_SETSID} (one
 * exec), as {@code io.hatchway.hcs.linux.PosixSpawn} does; the launch it replaced, the JDK's
 * {@code jspawnhelper} exec'ing {@code setsid} exec'ing the command, is timed too. The caller
 * reaps with {@code waitpid}.
 */
final class PosixSpawn {
    private static final short POSIX_SPAWN_SETSID = 0x80; // glibc
    private static final int EINTR = 4;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int posix_spawnattr_init(Pointer attributes);

        int posix_spawnattr_setflags(Pointer attributes, short flags);

        int posix_spawnattr_destroy(Pointer attributes);

        int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attributes, String[] argv,
                String[] envp);

        int waitpid(int pid, IntByReference status, int options);
    }

    private PosixSpawn() {
    }

    /** Whether glibc's posix_spawn can be called here. */
    static boolean available() {
        try {
            return LibC.INSTANCE != null;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Runs {@code argv} as the leader of a new session and waits for it. @return nanoseconds */
    static long spawnAndWait(String... argv) {
        long start = System.nanoTime();
        Memory attributes = new Memory(1024); // posix_spawnattr_t is 336 bytes on glibc x86-64
        LibC libc = LibC.INSTANCE;
        check(libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
        try {
            check(libc.posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSID), "posix_spawnattr_setflags");
            IntByReference pid = new IntByReference();
            check(libc.posix_spawn(pid, argv[0], null, attributes, argv, new String[] {"PATH=/usr/bin:/bin"}),
                    "posix_spawn");
            IntByReference status = new IntByReference();
            while (libc.waitpid(pid.getValue(), status, 0) < 0) {
                if (Native.getLastError() != EINTR) {
                    throw new IllegalStateException("waitpid: errno " + Native.getLastError());
                }
            }
            long nanos = System.nanoTime() - start;
            if (status.getValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + ": wait status " + status.getValue());
            }
            return nanos;
        } finally {
            libc.posix_spawnattr_destroy(attributes);
        }
    }

    private static void check(int result, String call) {
        if (result != 0) {
            throw new IllegalStateException(call + ": error " + result);
        }
    }
}
