package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Starts a program as the leader of a session of its own with glibc's {@code posix_spawn}: one
 * {@code clone(CLONE_VFORK)} and one {@code execve}, where the JDK's {@link ProcessBuilder} goes
 * through {@code jspawnhelper} (and a session needs {@code setsid} on top: three execs in all).
 * When {@link #spawn} returns the program has been exec'd, or the call failed and nothing runs.
 *
 * <p>The child gets exactly the given standard streams, working directory and environment, the
 * default action for every signal and an empty signal mask, and no other file descriptor of the
 * JVM. The caller reaps it with {@link Reaper#waitFor}, once. Needs glibc 2.34 or later (closefrom);
 * elsewhere the first call fails with {@link UnsatisfiedLinkError}. Nothing here runs before that
 * first call: a host's own JNA, loaded first, keeps the JVM's native-access warning its own.
 */
public final class PosixSpawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80; // glibc 2.26
    /** Sources of the spawn's dup2s live at or above this, clear of any target (0-2 and a few passed). */
    static final int FIRST_FREE = 10;

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

        int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

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
    public static List<String> environmentWithout(Collection<String> leftOut) {
        List<String> env = new ArrayList<>();
        System.getenv().forEach((name, value) -> {
            if (!leftOut.contains(name)) {
                env.add(name + "=" + value);
            }
        });
        return env;
    }

    /** What the child's standard streams are: 0, 1 and 2. */
    public sealed interface ChildStreams {
        /** Descriptors of the JVM's (they stay the caller's to close). */
        record Descriptors(int stdin, int stdout, int stderr) implements ChildStreams {
        }

        /**
         * A pseudo-terminal's slave, opened by the child itself once it leads its new session, so
         * that it becomes the session's controlling terminal (glibc runs setsid before the file
         * actions); all three streams.
         */
        record Terminal(Path slave) implements ChildStreams {
        }
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
     * {@code env}, in {@code cwd}, as the leader of a new session, its streams {@code stdio}'s
     * files, opened here by the JVM ({@link OpenStreams#open}, FIFOs waited for {@link Stdio#PEER_TIMEOUT} on
     * {@code threads}), so a file that cannot be opened is reported as such and nothing is started.
     *
     * @return the child's pid
     * @throws SpawnException nothing was started
     * @throws HatchwayException DeadlineExceeded naming the FIFO whose other end did not appear in
     *     time; nothing was started
     */
    public static int spawn(Path executable, List<String> argv, List<String> env, Path cwd, Stdio stdio,
            Executor threads) throws SpawnException {
        return spawn(executable, argv, env, cwd, stdio, Stdio.PEER_TIMEOUT, List.of(), threads);
    }

    /**
     * {@link #spawn(Path, List, List, Path, Stdio, Executor)} that waits {@code peerTimeout} for FIFOs and
     * also hands the child the JVM's descriptors {@code passed} as its 3, 4, ... (they stay the
     * caller's to close).
     */
    public static int spawn(Path executable, List<String> argv, List<String> env, Path cwd, Stdio stdio,
            Duration peerTimeout, List<Integer> passed, Executor threads) throws SpawnException {
        try (OpenStreams streams = OpenStreams.open(stdio, peerTimeout, threads)) {
            return spawn(executable, argv, env, cwd, streams.descriptors(), passed);
        }
    }

    /**
     * Runs {@code executable} as {@link #spawn(Path, List, List, Path, Stdio, Executor)} does, its standard
     * streams {@code streams}, and the JVM's descriptors {@code passed} as its 3, 4, ... (all stay
     * the caller's to close).
     */
    public static int spawn(Path executable, List<String> argv, List<String> env, Path cwd, ChildStreams streams,
            List<Integer> passed) throws SpawnException {
        Spawn libc = Spawn.INSTANCE;
        try (Memory actions = new Memory(FILE_ACTIONS_SIZE); Memory attributes = new Memory(ATTRIBUTES_SIZE);
             Memory empty = new Memory(SIGSET_SIZE); Memory all = new Memory(SIGSET_SIZE)) {
            return spawn(libc, actions, attributes, empty, all, executable, argv, env, cwd, streams, passed);
        }
    }

    private static int spawn(Spawn libc, Memory actions, Memory attributes, Memory empty, Memory all, Path executable,
            List<String> argv, List<String> env, Path cwd, ChildStreams streams, List<Integer> passed)
            throws SpawnException {
        List<Integer> copies = new ArrayList<>();
        check(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        try {
            check(libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
            try {
                List<Integer> given = new ArrayList<>();
                if (streams instanceof ChildStreams.Descriptors fds) {
                    for (int fd : List.of(fds.stdin(), fds.stdout(), fds.stderr())) {
                        given.add(copiedAboveTargets(fd, copies));
                    }
                } else if (streams instanceof ChildStreams.Terminal terminal) {
                    check(libc.posix_spawn_file_actions_addopen(actions, 0, terminal.slave().toString(), LibC.O_RDWR, 0),
                            "addopen");
                    check(libc.posix_spawn_file_actions_adddup2(actions, 0, 1), "adddup2");
                    check(libc.posix_spawn_file_actions_adddup2(actions, 0, 2), "adddup2");
                }
                int first = 3 - given.size(); // passed ones go to 3, 4, ... after the streams
                for (int fd : passed) {
                    given.add(copiedAboveTargets(fd, copies));
                }
                for (int n = 0; n < given.size(); n++) { // dup2 clears the copy's close-on-exec
                    check(libc.posix_spawn_file_actions_adddup2(actions, given.get(n), first + n), "adddup2");
                }
                check(libc.posix_spawn_file_actions_addchdir_np(actions, cwd.toString()), "addchdir_np");
                check(libc.posix_spawn_file_actions_addclosefrom_np(actions, 3 + passed.size()), "addclosefrom_np");

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
            copies.forEach(LibC.INSTANCE::close);
        }
    }

    /** {@code fd}, or where it is among the dup2 targets a copy of it above them, noted in {@code copies}. */
    private static int copiedAboveTargets(int fd, List<Integer> copies) throws SpawnException {
        int above = aboveTargets(fd);
        if (above != fd) {
            copies.add(above);
        }
        return above;
    }

    /** {@code fd} itself when above the targets, else a close-on-exec copy of it there (the caller's to close). */
    static int aboveTargets(int fd) throws SpawnException {
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

}
