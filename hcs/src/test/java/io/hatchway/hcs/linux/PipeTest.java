package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report pipe of a child that must outlive the JVM (conmon): its report never meets a broken
 * pipe once the JVM's read end is gone, and the JVM still sees end-of-file when the child goes.
 */
class PipeTest {
    private static final Path SH = Path.of("/bin/sh");
    /** The FIFO opens' threads (an owner nobody closes: they end one idle second after their work). */
    private final Executor threads = new ComputeThreads().background();

    @TempDir
    Path dir;

    /** Spawns {@code script} with the pipe's write end as its fd 3; the JVM keeps only the read end. */
    private int spawn(Pipe pipe, String script) throws Exception {
        int pid = PosixSpawn.spawn(SH, List.of("sh", "-c", script), List.of("PATH=/usr/bin:/bin"), dir,
                new Stdio(Optional.empty(), dir.resolve("out"), dir.resolve("err")), Stdio.PEER_TIMEOUT,
                List.of(pipe.writeFd()), threads);
        pipe.closeWriteEnd();
        return pid;
    }

    /** A child that reports after the JVM's reader is gone: whether its write went through. */
    private boolean reportAfterTheReaderIsGone(Pipe pipe) throws Exception {
        // sh dies of SIGPIPE on a broken pipe, so "written" appears only if the write went through.
        int pid = spawn(pipe, "sleep 0.3; echo '{\"data\": 42}' >&3 && touch written");
        pipe.close(); // the JVM's read end goes, as with a JVM killed during the launch
        assertTrue(Reaper.waitFor(pid, Duration.ofSeconds(10)).isPresent());
        return Files.exists(dir.resolve("written"));
    }

    @Test
    void aReportWithNoReaderLeftDoesNotBreak() throws Exception {
        assertTrue(reportAfterTheReaderIsGone(Pipe.openWithoutBreaking()));
    }

    @Test
    void aPlainPipeBreaksThere() throws Exception { // what conmon met before: EPIPE, and it exited
        assertFalse(reportAfterTheReaderIsGone(Pipe.open()));
    }

    @Test
    void theReportIsReadAndTheChildsEndSeen() throws Exception {
        try (Pipe pipe = Pipe.openWithoutBreaking()) {
            int pid = spawn(pipe, "echo '{\"data\": 42}' >&3; exit 0");
            assertEquals(Optional.of("{\"data\": 42}"), pipe.readLine(Duration.ofSeconds(10)));
            assertEquals(Optional.of(""), pipe.readLine(Duration.ofSeconds(10)), "end-of-file once the child is gone");
            Reaper.waitFor(pid, Duration.ofSeconds(10));
        }
    }
}
