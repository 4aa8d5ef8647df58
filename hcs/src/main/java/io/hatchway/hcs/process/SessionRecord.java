package io.hatchway.hcs.process;

import io.hatchway.hcs.linux.ProcFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One task's sessions as recorded under the state directory, {@code <stateDir>/process/<task id>},
 * so that what the task leaves running is found again when its host JVM died without running its
 * shutdown hooks (SIGKILL, a crash) or after Hatchway was stopped. Plain lines:
 *
 * <pre>
 * boot 5f0c...                 the boot that the pids and start times below belong to
 * host 4711 123456             the host JVM that ran the task: pid, start time in clock ticks
 * session 4790 123999          one line per process launched (each the leader of a session of its own)
 * </pre>
 *
 * <p>The first launch writes the file whole (atomically); each further launch appends its line, so a
 * host killed mid-append leaves at most a torn last line, which reading ignores. The task's delete
 * removes the file. Thread-safe.
 */
final class SessionRecord {
    private final Path file;
    private boolean written; // guarded by this

    SessionRecord(Path dir, String taskId) {
        this.file = dir.resolve(taskId);
    }

    Path file() {
        return file;
    }

    /** Records the session {@code leader} leads, the leader started at {@code startTicks}. */
    synchronized void add(int leader, long startTicks) throws IOException {
        String line = "session " + leader + " " + startTicks + "\n";
        if (written) {
            Files.writeString(file, line, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        long self = ProcessHandle.current().pid();
        long selfStart = ProcFs.stat((int) self).map(ProcFs.Stat::startTicks).orElse(0L);
        Files.writeString(tmp, "boot " + ProcFs.bootId() + "\nhost " + self + " " + selfStart + "\n" + line,
                StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written = true;
    }

    /** Removes the record: the task is deleted, or nothing of it is left. */
    synchronized void remove() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) { // found again, and found empty, at the next start
        }
        written = false;
    }

    /**
     * What a record file says.
     *
     * @param bootId the boot its pids belong to
     * @param hostPid the host JVM's pid
     * @param hostStartTicks the host JVM's start time in clock ticks
     * @param sessions session leader pid → its start time in clock ticks
     */
    record Contents(String bootId, int hostPid, long hostStartTicks, Map<Integer, Long> sessions) {

        /**
         * The recorded sessions that may still have members here: none from another boot; without
         * those whose leader pid now runs another process ({@link ProcFs#unreusedSessions}).
         */
        Map<Integer, Long> liveSessions() {
            if (bootId.isEmpty() || !bootId.equals(ProcFs.bootId())) {
                return Map.of();
            }
            return ProcFs.unreusedSessions(sessions);
        }

        /** Whether the host JVM that ran the task still runs: same boot, same pid, same start time. */
        boolean hostAlive() {
            return !bootId.isEmpty() && bootId.equals(ProcFs.bootId())
                    && ProcFs.stat(hostPid).filter(s -> s.startTicks() == hostStartTicks && s.state() != 'Z')
                            .isPresent();
        }

        /** Whether the host JVM that ran the task is this one (Hatchway stopped and started again in it). */
        boolean hostIsThisJvm() {
            return hostAlive() && hostPid == ProcessHandle.current().pid();
        }
    }

    /** Reads a record file; empty when it is unreadable or has no {@code boot} and {@code host} lines. */
    static Optional<Contents> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses a record's text; a last line without its newline is torn (the host died mid-append) and ignored. */
    static Optional<Contents> parse(String text) {
        List<String> lines = List.of(text.split("\n", -1));
        lines = lines.subList(0, lines.size() - 1); // after the last newline: empty, or a torn line
        String boot = null;
        int hostPid = 0;
        long hostStart = 0;
        Map<Integer, Long> sessions = new LinkedHashMap<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            try {
                if (f.length == 2 && f[0].equals("boot")) {
                    boot = f[1];
                } else if (f.length == 3 && f[0].equals("host")) {
                    hostPid = Integer.parseInt(f[1]);
                    hostStart = Long.parseLong(f[2]);
                } else if (f.length == 3 && f[0].equals("session")) {
                    int leader = Integer.parseInt(f[1]);
                    long start = Long.parseLong(f[2]);
                    if (leader > 1 && start > 0) {
                        sessions.put(leader, start);
                    }
                }
            } catch (NumberFormatException e) { // not a line this class wrote: ignored
            }
        }
        if (boot == null || hostPid <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Contents(boot, hostPid, hostStart, Map.copyOf(sessions)));
    }
}
