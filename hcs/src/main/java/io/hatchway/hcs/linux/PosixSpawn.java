package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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

    /**
     * The files of a {@link Stdio} opened for a child, stdin read, stdout and stderr appended to:
     * the caller's until closed, or each taken over with {@link #take}. Not thread-safe.
     */
    public static final class OpenStreams implements AutoCloseable {
        private final int[] fds = {-1, -1, -1};

        private OpenStreams() {
        }

        /** The descriptor of stream {@code n} (0, 1, 2), now the caller's to close. */
        public int take(int n) {
            int fd = fds[n];
            fds[n] = -1;
            return fd;
        }

        /** All three, for a spawn; they stay this object's. */
        public ChildStreams.Descriptors descriptors() {
            return new ChildStreams.Descriptors(fds[0], fds[1], fds[2]);
        }

        @Override
        public void close() {
            for (int n = 0; n < fds.length; n++) {
                if (fds[n] >= 0) {
                    LibC.INSTANCE.close(take(n));
                }
            }
        }
    }

    /**
     * Opens {@code stdio}'s files as a child takes them (an empty stdin as {@link Stdio#DEV_NULL}).
     * No open blocks the caller: a FIFO waits for its other end (a writer for stdin, a reader for
     * stdout and stderr) at most {@code peerTimeout}, all three together; a FIFO's read end is
     * opened on a thread of {@code threads}.
     *
     * @throws SpawnException a file cannot be opened; none is left open
     * @throws HatchwayException DeadlineExceeded naming the FIFO whose other end did not appear in
     *     time; none is left open
     */
    public static OpenStreams open(Stdio stdio, Duration peerTimeout, Executor threads) throws SpawnException {
        OpenStreams streams = new OpenStreams();
        boolean done = false;
        try {
            long deadline = System.nanoTime() + peerTimeout.toNanos();
            streams.fds[0] = movedAboveTargets(openReadEnd("stdin", stdio.stdinOrNull(), deadline, peerTimeout,
                    threads));
            streams.fds[1] = movedAboveTargets(openWriteEnd("stdout", stdio.stdout(), deadline, peerTimeout));
            streams.fds[2] = movedAboveTargets(openWriteEnd("stderr", stdio.stderr(), deadline, peerTimeout));
            done = true;
            return streams;
        } finally {
            if (!done) {
                streams.close();
            }
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
     * files, opened here by the JVM ({@link #open}, FIFOs waited for {@link Stdio#PEER_TIMEOUT} on
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
        try (OpenStreams streams = open(stdio, peerTimeout, threads)) {
            return spawn(executable, argv, env, cwd, streams.descriptors(), passed);
        }
    }

    /**
     * Runs {@code executable} as {@link #spawn(Path, List, List, Path, Stdio)} does, its standard
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

    /*
     * Opening a stream never blocks the caller. open(2) of a FIFO blocks until its other end is
     * open too, and a thread in open(2) cannot be interrupted: a writer-less FIFO as stdin once
     * wedged start, and every call waiting behind it, for good. So:
     * - a write end is opened O_NONBLOCK, which fails with ENXIO while no reader is there; that is
     *   retried until the deadline, then the flag is cleared for the child;
     * - a read end has no such signal (a non-blocking open succeeds at once, and the child would
     *   read end-of-file before its writer came). It is opened by a background thread in a plain
     *   blocking open(2), which returns exactly when a writer arrives; at the deadline that thread
     *   is released by a writer of our own, opened non-blocking and closed at once. The thread
     *   opens through an O_PATH descriptor, so releasing it works even if the FIFO is unlinked.
     * Regular files and devices open non-blocking then switch to blocking, as the child expects.
     */

    /** Opens {@code file} for appending, creating it; a FIFO waits (bounded) for a reader. */
    private static int openWriteEnd(String stream, Path file, long deadline, Duration bound) throws SpawnException {
        long pause = 1_000_000;
        while (true) {
            try {
                return blocking(LibC.INSTANCE.open(file.toString(),
                        LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0644));
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.ENXIO && e.getErrorCode() != LibC.EINTR) {
                    throw new SpawnException("open " + file, e.getErrorCode());
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw noPeer(stream, file, "reader", bound);
            }
            LockSupport.parkNanos(Math.min(left, pause));
            pause = Math.min(pause * 2, 20_000_000);
        }
    }

    /** Opens {@code file} for reading; a FIFO waits (bounded) for a writer. */
    private static int openReadEnd(String stream, Path file, long deadline, Duration bound, Executor threads)
            throws SpawnException {
        int named;
        try {
            named = LibC.INSTANCE.open(file.toString(), LibC.O_PATH | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new SpawnException("open " + file, e.getErrorCode());
        }
        String via = "/proc/self/fd/" + named;
        if (!isFifo(via)) {
            try {
                return blocking(LibC.INSTANCE.open(via, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0));
            } catch (LastErrorException e) {
                throw new SpawnException("open " + file, e.getErrorCode());
            } finally {
                LibC.INSTANCE.close(named);
            }
        }
        FifoOpen open = new FifoOpen(via);
        open.opened.whenComplete((fd, error) -> LibC.INSTANCE.close(named)); // only once no open(2) uses it
        threads.execute(open::run);
        try {
            return open.opened.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            open.cancel();
            throw noPeer(stream, file, "writer", bound);
        } catch (ExecutionException e) {
            int errno = e.getCause() instanceof LastErrorException failed ? failed.getErrorCode() : LibC.EINVAL;
            throw new SpawnException("open " + file, errno);
        }
    }

    /** A blocking open(2) of a FIFO's read end on a thread of its own, which {@link #cancel} releases. */
    private static final class FifoOpen {
        private static final int WAITING = 0;
        private static final int OPENING = 1;
        private static final int CANCELLED = 2;
        private static final long RELEASE_BOUND = 1_000_000_000;

        private final String via;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        final CompletableFuture<Integer> opened = new CompletableFuture<>();

        FifoOpen(String via) {
            this.via = via;
        }

        void run() {
            if (!state.compareAndSet(WAITING, OPENING)) {
                opened.complete(-1);
                return;
            }
            while (true) {
                try {
                    int fd = LibC.INSTANCE.open(via, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
                    if (state.get() == CANCELLED || !opened.complete(fd)) {
                        LibC.INSTANCE.close(fd);
                        opened.complete(-1);
                    }
                    return;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != LibC.EINTR) {
                        opened.completeExceptionally(e);
                        return;
                    }
                }
            }
        }

        /**
         * Gives up: a thread not yet in open(2) never enters it; one in it is released by a writer
         * of our own, opened non-blocking (ENXIO until that thread counts as the FIFO's reader).
         */
        void cancel() {
            if (state.getAndSet(CANCELLED) != OPENING) {
                return;
            }
            opened.thenAccept(fd -> {
                if (fd >= 0) {
                    LibC.INSTANCE.close(fd);
                }
            });
            long until = System.nanoTime() + RELEASE_BOUND;
            while (!opened.isDone() && System.nanoTime() < until) {
                try {
                    LibC.INSTANCE.close(LibC.INSTANCE.open(via, LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0));
                } catch (LastErrorException e) { // not in open(2) yet
                }
                try {
                    opened.get(1, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) { // try again, or it failed by itself
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static boolean isFifo(String path) {
        try {
            return ((Integer) Files.getAttribute(Path.of(path), "unix:mode") & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // the open then says what is wrong
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    /** {@code fd} with O_NONBLOCK cleared: the child's reads and writes wait as usual. */
    private static int blocking(int fd) throws SpawnException {
        try {
            int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFL, 0);
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, flags & ~LibC.O_NONBLOCK);
            return fd;
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new SpawnException("fcntl " + fd, e.getErrorCode());
        }
    }

    private static HatchwayException noPeer(String stream, Path file, String peer, Duration bound) {
        return ErrorKind.DeadlineExceeded.error("%s %s: no %s opened the FIFO within %d ms", stream, file, peer,
                bound.toMillis());
    }

    /**
     * A stream we opened, at a descriptor no dup2 of a spawn targets (the original closed): a host
     * that closed its own stdin or stderr frees 0-2, and a source among the targets would be
     * overwritten before it is copied.
     */
    private static int movedAboveTargets(int fd) throws SpawnException {
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
    public static OptionalLong waitFor(int pid, Duration bound) {
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
                    return OptionalLong.of(exitCode(status[0]));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return OptionalLong.empty();
                }
                if (pidfd >= 0) { // readable once the child has exited
                    LibC.awaitReadable(pidfd, (int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
                } else {
                    LockSupport.parkNanos(Math.min(left, 1_000_000));
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
     * kernel longer is reaped by a thread of {@code threads} once it goes, so it never stays a zombie.
     */
    public static void kill(int pid, Duration bound, Executor threads) {
        LibC.killQuietly(pid, Signals.SIGKILL);
        if (waitFor(pid, bound).isEmpty()) {
            threads.execute(() -> waitFor(pid));
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
