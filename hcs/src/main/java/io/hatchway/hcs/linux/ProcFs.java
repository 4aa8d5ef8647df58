package io.hatchway.hcs.linux;

import io.hatchway.hcs.ProcessDetails;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads processes from {@code /proc}: each process's state, times and memory, its session, and
 * whether its program is loaded.
 * Every read tolerates a process that exits meanwhile (it is then left out). Thread-safe.
 *
 * <p>Kept whole, a little over 300 lines: it is one reader of one file format ({@code stat}) and
 * of what the process backend asks of it; the session pass ({@link #sessionMembers}) is the
 * largest part and shares the parsing and the clock of the rest.
 */
public final class ProcFs {
    private static final Path PROC = Path.of("/proc");
    private static final long TICKS_PER_SECOND;
    private static final long PAGE_SIZE;
    private static final long BOOT_EPOCH_SECONDS;

    static {
        long ticks = 100;
        long page = 4096;
        try {
            ticks = LibC.INSTANCE.sysconf(LibC._SC_CLK_TCK);
            page = LibC.INSTANCE.sysconf(LibC._SC_PAGESIZE);
        } catch (Throwable e) { // no libc through JNA: keep Linux's usual values
        }
        TICKS_PER_SECOND = ticks > 0 ? ticks : 100;
        PAGE_SIZE = page > 0 ? page : 4096;
        BOOT_EPOCH_SECONDS = readBootTime();
    }

    private ProcFs() {
    }

    /** Whether {@code /proc} is there to read. */
    public static boolean available() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    /** One process's {@code /proc/<pid>/stat} line, the fields Hatchway uses. */
    public record Stat(int pid, int session, String command, char state, long userTicks,
            long kernelTicks, long startTicks, long virtualBytes, long residentPages, long startCode) {

        /** Whether its program is completely loaded: see {@link ProcFs#programLoaded}. */
        public boolean programLoaded() {
            return startCode != 0;
        }
    }

    /** {@code /proc/<pid>/stat}, or empty when the process is gone. */
    public static Optional<Stat> stat(int pid) {
        String line;
        try {
            line = Files.readString(PROC.resolve(pid + "/stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(parseStat(line));
    }

    /**
     * Whether process {@code pid} runs a completely loaded program: an {@code execve} in progress
     * has already given it the new command's name, but its environment and arguments appear in
     * {@code /proc} only once the new program's memory is laid out, and its start-of-code address
     * ({@code /proc/<pid>/stat} field 26, 0 in a fresh address space) is set right after that.
     * True for a process that is gone. Needs ptrace access to the process (root has it): without
     * it the field reads 0.
     */
    public static boolean programLoaded(int pid) {
        return stat(pid).map(Stat::programLoaded).orElse(true);
    }

    /**
     * Waits until process {@code pid} is past the launcher that started it: gone, a zombie, or
     * {@code execd} holds for its stat and its new program is loaded (mid-execve a process already
     * has its new name but not yet its environment). Bounded by {@code bound}; in practice
     * about a millisecond. @return its last stat, empty once it is gone
     */
    public static Optional<Stat> awaitExec(int pid, Predicate<Stat> execd, Duration bound) {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        long pause = 50_000;
        while (true) {
            Optional<Stat> stat = stat(pid);
            long now = System.nanoTime();
            if (stat.isEmpty() || stat.get().state() == 'Z' || now > deadline
                    || (execd.test(stat.get()) && stat.get().programLoaded())) {
                return stat;
            }
            // An execve takes about a millisecond: look every 50 us for the first two. On a busy
            // host the runtime's init can take tens of milliseconds, when looking that often
            // would cost more CPU than the wait: then at doubling intervals up to a millisecond.
            LockSupport.parkNanos(pause);
            if (now - start > 2_000_000) {
                pause = Math.min(pause * 2, 1_000_000);
            }
        }
    }

    static Stat parseStat(String line) {
        // "pid (comm) state ppid ..."; comm may hold spaces and parentheses: split after the last ')'.
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String[] f = line.substring(close + 2).trim().split(" ");
        if (f.length < 22) {
            return null;
        }
        return new Stat(Integer.parseInt(line.substring(0, open).trim()),
                Integer.parseInt(f[3]), line.substring(open + 1, close), f[0].charAt(0), Long.parseLong(f[11]),
                Long.parseLong(f[12]), Long.parseLong(f[19]), Long.parseLong(f[20]), Long.parseLong(f[21]),
                f.length > 23 ? Long.parseUnsignedLong(f[23]) : 1);
    }

    private static void forEachProcess(Consumer<Stat> action) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    stat(Integer.parseInt(name)).ifPresent(action);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every live process of the given sessions, in one pass over {@code /proc}: those whose session
     * id is a key of {@code leaders} and that started no earlier than that session's leader (the
     * value, in clock ticks since boot), so a session id reused after the whole session ended is
     * never taken for ours.
     *
     * <p>The pass reads the {@code stat} of processes it has not seen before and of the members
     * only: a process's session and start time are kept from an earlier pass, keyed by pid and
     * directory inode ({@link ProcDir}). A process never joins a session it is not in (setsid(2)
     * makes a new one), so what was not a member stays one only if it leaves; members are read
     * again each time, as a member may have left (setsid) or become a zombie.
     */
    public static Set<Integer> sessionMembers(Map<Integer, Long> leaders) {
        Set<Integer> out = new LinkedHashSet<>();
        if (leaders.isEmpty()) {
            return out;
        }
        Set<Integer> listed = new HashSet<>();
        boolean listedAll = ProcDir.list((pid, inode) -> {
            Seen known = SEEN.get(pid);
            Optional<Stat> fresh = Optional.empty();
            if (known == null || known.inode() != inode) {
                fresh = stat(pid);
                if (fresh.isEmpty()) {
                    return; // gone meanwhile
                }
                known = new Seen(inode, fresh.get().session(), fresh.get().startTicks());
                SEEN.put(pid, known);
            }
            listed.add(pid);
            if (inSessions(leaders, known.session(), known.startTicks())) {
                // A member is read afresh: it may have left (setsid) or become a zombie since.
                (fresh.isPresent() ? fresh : stat(pid)).filter(st -> isMember(leaders, st)).ifPresent(st -> out.add(pid));
            }
        });
        if (!listedAll) {
            out.clear();
            forEachProcess(st -> {
                if (isMember(leaders, st)) {
                    out.add(st.pid());
                }
            });
            return out;
        }
        SEEN.keySet().retainAll(listed); // forget the processes that are gone
        return out;
    }

    private static boolean isMember(Map<Integer, Long> leaders, Stat stat) {
        return inSessions(leaders, stat.session(), stat.startTicks()) && stat.state() != 'Z';
    }

    /**
     * The sessions of {@code leaders} (leader pid → its start time in clock ticks) whose id can
     * still be the one recorded: those whose leader is the same process (same start time) or is gone.
     * A leader pid that now runs another process was reused, which the kernel allows only once no
     * process is left in the old session: that session is dropped, so nothing of the new process's is
     * taken for it. A gone leader's session id stays reserved while any member lives, so its members
     * are the recorded session's, except in one case this cannot tell: the pid was reused after the
     * whole session ended, its new holder led a session of its own and ended too, leaving members.
     */
    public static Map<Integer, Long> unreusedSessions(Map<Integer, Long> leaders) {
        Map<Integer, Long> out = new HashMap<>();
        leaders.forEach((leader, startTicks) -> {
            Optional<Stat> now = stat(leader);
            if (now.isEmpty() || now.get().startTicks() == startTicks) {
                out.put(leader, startTicks);
            }
        });
        return out;
    }

    /**
     * This boot's id ({@code /proc/sys/kernel/random/boot_id}): start times in clock ticks and pids
     * mean something only within one boot. Empty when unreadable.
     */
    public static String bootId() {
        try {
            return Files.readString(PROC.resolve("sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** In one of the sessions, and no older than its leader (a reused session id is not ours). */
    private static boolean inSessions(Map<Integer, Long> leaders, int session, long startTicks) {
        Long leaderStart = leaders.get(session);
        return leaderStart != null && startTicks >= leaderStart;
    }

    /** What a pass read of one process: its directory's inode, its session and its start time. */
    private record Seen(long inode, int session, long startTicks) {
    }

    private static final Map<Integer, Seen> SEEN = new ConcurrentHashMap<>();

    /** The {@link ProcessDetails} of {@code pid} with an empty exec id, or empty when it is gone. */
    public static Optional<ProcessDetails> details(int pid) {
        return stat(pid).map(s -> {
            long sharedPages = statmShared(pid);
            long resident = s.residentPages() * PAGE_SIZE;
            long shared = Math.min(sharedPages * PAGE_SIZE, resident);
            return new ProcessDetails(pid, imageName(pid, s.command()), startTime(s).toString(),
                    ticksTo100ns(s.userTicks()), ticksTo100ns(s.kernelTicks()), s.virtualBytes(),
                    resident - shared, shared, "");
        });
    }

    /** Bytes read and written to storage by {@code pid} ({@code /proc/<pid>/io}); zeros when unreadable. */
    public static long[] storageBytes(int pid) {
        long read = 0;
        long write = 0;
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/io"))) {
                if (line.startsWith("read_bytes:")) {
                    read = Long.parseLong(line.substring(11).trim());
                } else if (line.startsWith("write_bytes:")) {
                    write = Long.parseLong(line.substring(12).trim());
                }
            }
        } catch (IOException | RuntimeException e) { // gone, or not ours to read
        }
        return new long[] {read, write};
    }

    public static long pageSize() {
        return PAGE_SIZE;
    }

    public static long ticksTo100ns(long ticks) {
        return ticks * (10_000_000L / TICKS_PER_SECOND);
    }

    public static Instant startTime(Stat stat) {
        long millis = stat.startTicks() * 1000 / TICKS_PER_SECOND;
        return Instant.ofEpochSecond(BOOT_EPOCH_SECONDS).plusMillis(millis);
    }

    private static String imageName(int pid, String command) {
        try {
            Path exe = Files.readSymbolicLink(PROC.resolve(pid + "/exe")).getFileName();
            // A process seen through another mount namespace mid-exec can show "/" as its executable.
            return exe == null ? command : exe.toString().replace(" (deleted)", "");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return command; // kernel threads, zombies, or another user's process
        }
    }

    private static long statmShared(int pid) {
        try {
            String[] f = Files.readString(PROC.resolve(pid + "/statm")).trim().split(" ");
            return Long.parseLong(f[2]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long readBootTime() {
        try {
            for (String line : Files.readAllLines(PROC.resolve("stat"))) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (IOException | RuntimeException e) { // no /proc: start times fall back to ProcessHandle
        }
        return 0;
    }
}
