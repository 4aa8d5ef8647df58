package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a program as the leader of a session of its own with glibc's {@code posix_spawn}: one
 * {@code clone(CLONE_VFORK)} and one {@code execve}, where the JDK's {@link ProcessBuilder} goes
 * through {@code jspawnhelper} (and a session needs {@code setsid} on top: three execs in all).
 * When {@link #spawn} returns the program has been exec'd, or the call failed and nothing runs.
 *
 * <p>The child gets exactly the given standard streams, working directory and environment, the
 * default action for every signal and an empty signal mask, and no other file descriptor of the
 * JVM. The caller reaps it with {@link #waitFor}, once. Needs glibc 2.34 or later (closefrom);
 * elsewhere the first call fails with {@link UnsatisfiedLinkError}. Nothing here runs before that
 * first call: a host's own JNA, loaded first, keeps the JVM's native-access warning its own.
 */
public final class PosixSpawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80; // glibc 2.26
    /** Sources of the spawn's dup2s live at or above this, clear of any target (0-2 and a few passed). */
    private static final int FIRST_FREE = 10;

    // glibc x86-64/aarch64 sizes are 336 (attributes), 80 (file actions), 128 (sigset_t): room to spare.
    private static final int ATTRIBUTES_SIZE = 1024;
    private static final int FILE_ACTIONS_SIZE = 512;
    private static final int SIGSET_SIZE = 256;

    private interface Spawn extends Library {
        Spawn INSTANCE = Jna.load("c", Spawn.class);

        int posix_spawnattr_init(Pointer attributes);

        int posix_spawnattr_setflags(Pointer attributes, short flags);

        int posix_spawnattr_setsigmask(Pointer attributes, Pointer mask);

        int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

        int posix_spawnattr_destroy(Pointer attributes);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        int posix_spawn_file_actions_addchdir_np(Pointer actions, String path); // glibc 2.29

        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from); // glibc 2.34

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn(int[] pid, String path, Pointer actions, Pointer attributes, String[] argv,
                String[] envp);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);
    }

    private PosixSpawn() {
    }

    /** The JVM's own environment as {@code NAME=value} entries, without the variables {@code leftOut}. */
    public static List<String> environmentWithout(java.util.Collection<String> leftOut) {
        List<String> env = new ArrayList<>();
        System.getenv().forEach((name, value) -> {
            if (!leftOut.contains(name)) {
                env.add(name + "=" + value);
            }
        });
        return env;
    }

    /** Where the child's standard streams come from and go: stdin read, stdout and stderr appended to. */
    public record Streams(Path stdin, Path stdout, Path stderr) {
    }

    /** Why a spawn failed: the errno and what it was about ({@code open <file>}, {@code execve}, ...). */
    public static final class SpawnException extends Exception {
        private final int errno;

        SpawnException(String what, int errno) {
            super(what + ": " + LibC.message(errno), null, false, false);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Runs {@code executable} with {@code argv} (its {@code argv[0]} included) and exactly
     * {@code env}, in {@code cwd}, as the leader of a new session. The streams are opened here, by
     * the JVM, so a file that cannot be opened is reported as such and nothing is started.
     *
     * @return the child's pid
     * @throws SpawnException nothing was started
     */
    public static int spawn(Path executable, List<String> argv, List<String> env, Path cwd, Streams streams)
            throws SpawnException {
        return spawn(executable, argv, env, cwd, streams, List.of());
    }

    /**
     * {@link #spawn(Path, List, List, Path, Streams)} that also hands the child the JVM's
     * descriptors {@code passed} as its 3, 4, ... (they stay the caller's to close).
     */
    public static int spawn(Path executable, List<String> argv, List<String> env, Path cwd, Streams streams,
            List<Integer> passed) throws SpawnException {
        Spawn libc = Spawn.INSTANCE;
        try (Memory actions = new Memory(FILE_ACTIONS_SIZE); Memory attributes = new Memory(ATTRIBUTES_SIZE);
             Memory empty = new Memory(SIGSET_SIZE); Memory all = new Memory(SIGSET_SIZE)) {
            return spawn(libc, actions, attributes, empty, all, executable, argv, env, cwd, streams, passed);
        }
    }

    private static int spawn(Spawn libc, Memory actions, Memory attributes, Memory empty, Memory all, Path executable,
            List<String> argv, List<String> env, Path cwd, Streams streams, List<Integer> passed) throws SpawnException {
        List<Integer> fds = new ArrayList<>(3);
        check(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        try {
            check(libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
            try {
                fds.add(open(streams.stdin(), LibC.O_RDONLY));
                fds.add(open(streams.stdout(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND));
                fds.add(open(streams.stderr(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND));
                List<Integer> given = new ArrayList<>(fds);
                for (int fd : passed) {
                    int above = aboveTargets(fd);
                    if (above != fd) {
                        fds.add(above); // our copy, closed with the streams
                    }
                    given.add(above);
                }
                for (int target = 0; target < given.size(); target++) { // dup2 clears the copy's close-on-exec
                    check(libc.posix_spawn_file_actions_adddup2(actions, given.get(target), target), "adddup2");
                }
                check(libc.posix_spawn_file_actions_addchdir_np(actions, cwd.toString()), "addchdir_np");
                check(libc.posix_spawn_file_actions_addclosefrom_np(actions, given.size()), "addclosefrom_np");

                libc.sigemptyset(empty);
                libc.sigfillset(all);
                check(libc.posix_spawnattr_setsigmask(attributes, empty), "setsigmask");
                check(libc.posix_spawnattr_setsigdefault(attributes, all), "setsigdefault");
                check(libc.posix_spawnattr_setflags(attributes,
                        (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "setflags");

                int[] pid = new int[1];
                int error = libc.posix_spawn(pid, executable.toString(), actions, attributes,
                        argv.toArray(String[]::new), env.toArray(String[]::new));
                if (error != 0) {
                    throw new SpawnException(error == 2 && !cwd.toFile().isDirectory() ? "cwd " + cwd
                            : "execve " + executable, error);
                }
                return pid[0];
            } finally {
                libc.posix_spawnattr_destroy(attributes);
            }
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
            fds.forEach(LibC.INSTANCE::close);
        }
    }

    /**
     * {@code file} opened close-on-exec at a descriptor no dup2 of a spawn targets: a host that
     * closed its own stdin or stderr frees 0-2, and a source among the targets would be overwritten
     * before it is copied.
     */
    private static int open(Path file, int flags) throws SpawnException {
        int fd;
        try {
            fd = LibC.INSTANCE.open(file.toString(), flags | LibC.O_CLOEXEC, 0644);
        } catch (LastErrorException e) {
            throw new SpawnException("open " + file, e.getErrorCode());
        }
        try {
            return aboveTargets(fd);
        } finally {
            if (fd < FIRST_FREE) {
                LibC.INSTANCE.close(fd);
            }
        }
    }

    /** {@code fd} itself when above the targets, else a close-on-exec copy of it there (the caller's to close). */
    private static int aboveTargets(int fd) throws SpawnException {
        if (fd >= FIRST_FREE) {
            return fd;
        }
        try {
            return LibC.INSTANCE.fcntl(fd, LibC.F_DUPFD_CLOEXEC, FIRST_FREE);
        } catch (LastErrorException e) {
            throw new SpawnException("fcntl " + fd, e.getErrorCode());
        }
    }

    private static void check(int error, String call) throws SpawnException {
        if (error != 0) {
            throw new SpawnException(call, error);
        }
    }

    /**
     * Blocks until child {@code pid} exits and reaps it. @return its exit code, or 128+N for a death
     * by signal N
     */
    public static long waitFor(int pid) {
        int[] status = new int[1];
        while (true) {
            try {
                LibC.INSTANCE.waitpid(pid, status, 0);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw new IllegalStateException("waitpid(" + pid + "): " + LibC.message(e));
                }
            }
        }
        return exitCode(status[0]);
    }

    /**
     * Reaps child {@code pid} once it has exited, waiting at most {@code bound}: in poll(2) on a
     * pidfd (Linux 5.3), else looking every millisecond. @return its exit code as {@link #waitFor}
     * gives it, or empty when it still runs
     */
    public static java.util.OptionalLong waitFor(int pid, java.time.Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        int pidfd = pidfd(pid);
        try {
            int[] status = new int[1];
            while (true) {
                int reaped;
                try {
                    reaped = LibC.INSTANCE.waitpid(pid, status, LibC.WNOHANG);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINTR) {
                        continue;
                    }
                    throw new IllegalStateException("waitpid(" + pid + "): " + LibC.message(e));
                }
                if (reaped == pid) {
                    return java.util.OptionalLong.of(exitCode(status[0]));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return java.util.OptionalLong.empty();
                }
                if (pidfd >= 0) { // readable once the child has exited
                    LibC.awaitReadable(pidfd, (int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.min(left, 1_000_000));
                }
            }
        } finally {
            if (pidfd >= 0) {
                LibC.INSTANCE.close(pidfd);
            }
        }
    }

    /**
     * Kills child {@code pid} (SIGKILL) and reaps it, waiting at most {@code bound}. One stuck in the
     * kernel longer is reaped by a background thread once it goes, so it never stays a zombie.
     */
    public static void kill(int pid, java.time.Duration bound) {
        LibC.killQuietly(pid, io.hatchway.hcs.Signals.SIGKILL);
        if (waitFor(pid, bound).isEmpty()) {
            io.hatchway.hcs.Threads.background().execute(() -> waitFor(pid));
        }
    }

    /** A pidfd for child {@code pid} (pidfd_open(2)), or -1 where the kernel has none. */
    private static int pidfd(int pid) {
        try {
            return (int) LibC.INSTANCE.syscall(LibC.SYS_PIDFD_OPEN, pid, 0);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return -1;
        }
    }

    private static long exitCode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

}
