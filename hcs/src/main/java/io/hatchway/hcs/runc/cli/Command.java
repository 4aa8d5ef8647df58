package io.hatchway.hcs.runc.cli;

import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.MemoryFile;
import io.hatchway.hcs.linux.PosixSpawn;
import io.hatchway.hcs.linux.Reaper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One run of a command-line program, bounded: its standard streams go to files or are captured,
 * and it is killed when it outlives its timeout. The JVM spawns it itself ({@link PosixSpawn}: one
 * exec, no helper) and reaps it.
 */
final class Command {
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
     * Runs {@code argv} (its first element an absolute path), its streams {@code files}, or without
     * them no input and stdout and stderr captured (in memory files), for the result. A FIFO among
     * {@code files} is opened, and a killed command that lingers reaped, on a thread of {@code threads}.
     *
     * @throws IOException when the program cannot be started (the OS's reason in the message)
     * @throws TimedOut when it ran longer than {@code timeout}; it has been killed
     */
    static Result run(List<String> argv, Optional<Stdio> files, Duration timeout, Executor threads)
            throws IOException, TimedOut {
        try (MemoryFile out = MemoryFile.open("stdout"); MemoryFile err = MemoryFile.open("stderr")) {
            int pid;
            try {
                pid = PosixSpawn.spawn(Path.of(argv.get(0)), argv, PosixSpawn.environmentWithout(NOT_INHERITED),
                        Path.of("").toAbsolutePath(), files.orElse(new Stdio(Optional.empty(), out.path(), err.path())), threads);
            } catch (PosixSpawn.SpawnException e) {
                throw new IOException(e.getMessage());
            }
            OptionalLong code = Reaper.waitFor(pid, timeout);
            if (code.isEmpty()) {
                Reaper.kill(pid, KILL_WAIT, threads);
                throw new TimedOut();
            }
            return new Result((int) code.getAsLong(), files.isPresent() ? "" : out.text(),
                    files.isPresent() ? "" : err.text());
        }
    }
}
