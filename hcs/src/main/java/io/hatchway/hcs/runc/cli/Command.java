package io.hatchway.hcs.runc.cli;

import io.hatchway.hcs.linux.MemoryFile;
import io.hatchway.hcs.linux.PosixSpawn;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One run of a command-line program, bounded: its standard streams go to files or are captured,
 * and it is killed when it outlives its timeout. The JVM spawns it itself ({@link PosixSpawn}: one
 * exec, no helper) and reaps it.
 */
final class Command {
    private static final Path NULL_FILE = Path.of("/dev/null");
    /** systemd's notify socket: the runtime would talk to it. */
    private static final Set<String> NOT_INHERITED = Set.of("NOTIFY_SOCKET");
    /** How long a killed command may take to be gone. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(1);

    /** What a finished command left: its exit code and the captured streams ({@code ""} when not captured). */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /** The command outlived its timeout and was killed. */
    static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;

        TimedOut() {
            super(null, null, false, false);
        }
    }

    private Command() {
    }

    /**
     * Runs {@code argv} (its first element an absolute path); a stream with no file in {@code io}
     * is captured (stdout, stderr, in memory files) or empty (stdin).
     *
     * @throws IOException when the program cannot be started (the OS's reason in the message)
     * @throws TimedOut when it ran longer than {@code timeout}; it has been killed
     */
    static Result run(List<String> argv, Io io, Duration timeout) throws IOException, TimedOut {
        try (MemoryFile out = MemoryFile.open("stdout"); MemoryFile err = MemoryFile.open("stderr")) {
            int pid;
            try {
                pid = PosixSpawn.spawn(Path.of(argv.get(0)), argv, PosixSpawn.environmentWithout(NOT_INHERITED),
                        Path.of("").toAbsolutePath(), new PosixSpawn.Streams(io.stdin().orElse(NULL_FILE), io.stdout().orElse(out.path()),
                                io.stderr().orElse(err.path())));
            } catch (PosixSpawn.SpawnException e) {
                throw new IOException(e.getMessage());
            }
            OptionalLong code = PosixSpawn.waitFor(pid, timeout);
            if (code.isEmpty()) {
                PosixSpawn.kill(pid, KILL_WAIT);
                throw new TimedOut();
            }
            return new Result((int) code.getAsLong(), io.stdout().isPresent() ? "" : out.text(),
                    io.stderr().isPresent() ? "" : err.text());
        }
    }
}
