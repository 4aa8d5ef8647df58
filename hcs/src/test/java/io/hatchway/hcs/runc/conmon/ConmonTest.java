package io.hatchway.hcs.runc.conmon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conmon's side of the launch, spoken by small shell scripts in its place (no root needed): the
 * pid on the sync pipe, a runtime's error, a conmon that fails, and one that never answers.
 */
class ConmonTest {
    @TempDir
    Path dir;
    /** An owner nobody closes: its threads end one idle second after their work. */
    private final ComputeThreads threads = new ComputeThreads();

    @AfterEach
    void removeExitDirs() {
        MonitorDir.deleteExitDirs(dir);
    }

    /**
     * A stand-in for conmon that runs {@code body} with {@code $P} naming the conmon pid file
     * ({@code -P}); it writes its own pid there first (a forking body writes its child's).
     */
    private Conmon conmon(String body, Duration timeout) throws Exception {
        Path script = dir.resolve("conmon");
        Files.writeString(script, "#!/bin/sh\n"
                + "while [ $# -gt 0 ]; do case $1 in -P) P=$2;; esac; shift; done\necho $$ > \"$P\"\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return new Conmon(script, timeout, threads.pool("hatchway-relay-"), threads.background());
    }

    private Monitor exec(Conmon conmon) {
        OciRuntime runtime = new OciRuntime("runc", Path.of("/bin/false"), dir.resolve("root"), Duration.ofSeconds(5), threads.background());
        Stdio io = new Stdio(Optional.empty(), dir.resolve("out"), dir.resolve("err"));
        return conmon.exec(runtime, "c1", dir, new MonitorDir(dir.resolve("exec")), conmon.open(io, "exec in c1"));
    }

    @Test
    void thePidReportedOnTheSyncPipeIsTheProcesss() throws Exception {
        // As conmon does: the first process exits at once, a second one reports and stays.
        Monitor monitor = exec(conmon("sh -c 'echo $$ > \"$0\"; echo \"{\\\"data\\\": 4242}\" >&3; exec sleep 30' \"$P\" &"
                + " exit 0", Duration.ofSeconds(10)));
        try {
            assertEquals(4242, monitor.pid());
            assertTrue(monitor.monitorAlive(), "the monitor is the child that stays");
        } finally {
            if (monitor.conmonPid() > 1) {
                LibC.INSTANCE.kill(monitor.conmonPid(), 9);
            }
        }
    }

    @Test
    void onlyTheStreamsAndTheSyncPipeAreHandedToConmon() throws Exception {
        // ls inherits what the stand-in got, bar the shell's script file (close-on-exec); 4 is ls's own listing.
        exec(conmon("ls /proc/self/fd >&2; echo '{\"data\": 4242}' >&3", Duration.ofSeconds(10)));
        assertEquals("0\n1\n2\n3\n4\n", Files.readString(dir.resolve("err")));
    }

    @Test
    void aRuntimeErrorAboutTheProcessIsInvalidArgument() throws Exception {
        HatchwayException e = assertThrows(HatchwayException.class, () -> exec(conmon(
                "echo '{\"data\": -1, \"message\": \"exec: \\\\\"nope\\\\\": executable file not found in $PATH\"}' >&3",
                Duration.ofSeconds(10))));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertTrue(e.getMessage().contains("executable file not found"), e.getMessage());
    }

    @Test
    void aConmonThatFailsIsUnavailableWithItsStatus() throws Exception {
        HatchwayException e = assertThrows(HatchwayException.class, () -> exec(conmon("exit 7", Duration.ofSeconds(10))));
        assertEquals(ErrorKind.Unavailable, e.kind());
        assertTrue(e.getMessage().contains("exited with status 7"), e.getMessage());
    }

    @Test
    void aConmonThatNeverAnswersIsKilledAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> exec(conmon("exec sleep 30", Duration.ofMillis(500))));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(ErrorKind.DeadlineExceeded, e.kind());
        assertTrue(tookMs < 5_000, "bounded by the timeout, took " + tookMs + " ms");
        int pid = Integer.parseInt(Files.readString(new MonitorDir(dir.resolve("exec")).conmonPidFile()).trim());
        assertFalse(ProcFs.stat(pid).isPresent(), "the stand-in was killed and reaped, no zombie left");
    }
}
