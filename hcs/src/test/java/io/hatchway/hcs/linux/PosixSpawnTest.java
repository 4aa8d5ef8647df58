package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixSpawnTest {
    private static final Path SH = Path.of("/bin/sh");
    /** The FIFO opens' threads (an owner nobody closes: they end one idle second after their work). */
    private final Executor threads = new ComputeThreads().background();

    @TempDir
    Path dir;

    private Stdio streams() {
        return new Stdio(Optional.empty(), dir.resolve("out"), dir.resolve("err"));
    }

    private String run(String script, List<String> env, Path cwd) throws Exception {
        int pid = PosixSpawn.spawn(SH, List.of("sh", "-c", script), env, cwd, streams(), threads);
        assertEquals(0, Reaper.waitFor(pid), () -> read("err"));
        return read("out");
    }

    private String read(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void theChildLeadsASessionInItsCwdWithExactlyItsEnvironment() throws Exception {
        String out = run("echo $$ $(cut -d' ' -f6 /proc/$$/stat) $(pwd) $HATCHWAY_TEST; env | wc -l",
                List.of("HATCHWAY_TEST=yes", "PATH=/usr/bin:/bin"), dir);
        String[] f = out.trim().split("\\s+");
        assertEquals(f[0], f[1], "session id = pid: " + out);
        assertEquals(dir.toRealPath().toString(), f[2]);
        assertEquals("yes", f[3]);
        assertTrue(Integer.parseInt(f[4]) <= 4, "only the given environment (sh adds PWD, SHLVL): " + out);
    }

    @Test
    void theChildHoldsNoneOfTheJvmsDescriptors() throws Exception {
        try (ServerSocket listening = new ServerSocket(0)) { // as Jolokia's would be
            String out = run("ls /proc/$$/fd", List.of(), Path.of("/"));
            assertEquals(List.of("0", "1", "2"), List.of(out.trim().split("\\s+")));
        }
    }

    @Test
    void aPassedDescriptorAmongTheTargetsIsCopiedBeforeItIsOverwritten() throws Exception {
        // The JVM's own fd 0 handed over as the child's 3 while the child's 0 becomes a file: the
        // child's 3 must still be what the JVM's 0 is (a host that closed stdin hands out 0 that way).
        Path input = Files.writeString(dir.resolve("input"), "");
        String jvmStdin = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
        int pid = PosixSpawn.spawn(SH, List.of("sh", "-c", "readlink /proc/$$/fd/0 /proc/$$/fd/3"), List.of(),
                Path.of("/"), new Stdio(Optional.of(input), dir.resolve("out"), dir.resolve("err")), Stdio.PEER_TIMEOUT,
                List.of(0), threads);
        assertEquals(0, Reaper.waitFor(pid), () -> read("err"));
        assertEquals(List.of(input.toString(), jvmStdin), List.of(read("out").trim().split("\n")));
    }

    @Test
    void outputIsAppendedAndTheExitCodeOrSignalIsReported() throws Exception {
        Files.writeString(dir.resolve("out"), "kept\n");
        assertEquals("kept\nmore\n", run("echo more", List.of(), Path.of("/")));
        assertEquals(3, Reaper.waitFor(PosixSpawn.spawn(SH, List.of("sh", "-c", "exit 3"), List.of(),
                Path.of("/"), streams(), threads)));
        assertEquals(128 + 9, Reaper.waitFor(PosixSpawn.spawn(SH, List.of("sh", "-c", "kill -9 $$"),
                List.of(), Path.of("/"), streams(), threads)));
    }

    /** signal(2), to ignore SIGHUP in this JVM as {@code nohup java ...} would. */
    interface Signal extends com.sun.jna.Library {
        Signal INSTANCE = com.sun.jna.Native.load("c", Signal.class);

        com.sun.jna.Pointer signal(int signal, com.sun.jna.Pointer handler);
    }

    @Test
    void signalsTheJvmIgnoresAreDefaultAgainInTheChild() throws Exception {
        com.sun.jna.Pointer previous = Signal.INSTANCE.signal(1, com.sun.jna.Pointer.createConstant(1)); // SIG_IGN
        try {
            assertSignalsDefault();
        } finally {
            Signal.INSTANCE.signal(1, previous);
        }
    }

    private void assertSignalsDefault() throws Exception {
        // SigIgn in /proc/<pid>/status: the mask of ignored signals; 1-31 all clear (glibc keeps its
        // own two real-time signals, 32 and 33, ignored in every child it spawns: they are no one else's).
        String out = run("grep SigIgn /proc/$$/status", List.of(), Path.of("/"));
        long ignored = Long.parseUnsignedLong(out.trim().substring("SigIgn:".length()).trim(), 16);
        assertEquals(0, ignored & 0x7fffffffL, out);
    }

    @Test
    void failuresSayWhatFailedAndStartNothing() {
        PosixSpawn.SpawnException missing = assertThrows(PosixSpawn.SpawnException.class,
                () -> PosixSpawn.spawn(Path.of("/nonexistent/binary"), List.of("x"), List.of(), Path.of("/"), streams(), threads));
        assertEquals("execve /nonexistent/binary: No such file or directory", missing.getMessage());
        PosixSpawn.SpawnException cwd = assertThrows(PosixSpawn.SpawnException.class,
                () -> PosixSpawn.spawn(SH, List.of("sh"), List.of(), dir.resolve("gone"), streams(), threads));
        assertEquals("cwd " + dir.resolve("gone") + ": No such file or directory", cwd.getMessage());
        Path unwritable = dir.resolve("no-such-dir").resolve("out");
        PosixSpawn.SpawnException open = assertThrows(PosixSpawn.SpawnException.class, () -> PosixSpawn.spawn(SH,
                List.of("sh"), List.of(), Path.of("/"), new Stdio(Optional.empty(), unwritable,
                        unwritable), threads));
        assertEquals("open " + unwritable + ": No such file or directory", open.getMessage());
    }

    // FIFOs: no open blocks the caller beyond the streams' peer timeout

    private static final Duration PEER_WAIT = Duration.ofMillis(600);

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

    /** Spawns {@code cat} with these streams, expecting DeadlineExceeded within the bound; returns its message. */
    private String assertNoPeer(Stdio streams) throws Exception {
        long fdsBefore = Leftovers.openDescriptors();
        long started = System.nanoTime();
        HatchwayException e = assertThrows(HatchwayException.class, () -> PosixSpawn.spawn(Path.of("/bin/cat"),
                List.of("cat"), List.of(), Path.of("/"), streams, PEER_WAIT, List.of(), threads));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(ErrorKind.DeadlineExceeded, e.kind(), e.getMessage());
        assertTrue(tookMillis >= PEER_WAIT.toMillis() && tookMillis < PEER_WAIT.toMillis() + 2_000,
                "gave up after " + tookMillis + " ms");
        // The background open is released and nothing stays open (bounded: it is let go at once).
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (Leftovers.openDescriptors() > fdsBefore && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Leftovers.openDescriptors() <= fdsBefore, "descriptors left open");
        return e.getMessage();
    }

    @Test
    void aFifoWithNoWriterAsStdinIsDeadlineExceededNamingItAndStartsNothing() throws Exception {
        Path in = fifo("in");
        String message = assertNoPeer(new Stdio(Optional.of(in), dir.resolve("out"), dir.resolve("err")));
        assertEquals("DeadlineExceeded: stdin " + in + ": no writer opened the FIFO within 600 ms", message);
        assertFalse(Files.exists(dir.resolve("out")), "stdout opened although stdin failed");
    }

    @Test
    void aFifoWithNoReaderAsStdoutOrStderrIsDeadlineExceededNamingIt() throws Exception {
        Path out = fifo("out");
        assertEquals("DeadlineExceeded: stdout " + out + ": no reader opened the FIFO within 600 ms",
                assertNoPeer(new Stdio(Optional.empty(), out, dir.resolve("err"))));
        assertEquals("DeadlineExceeded: stderr " + out + ": no reader opened the FIFO within 600 ms",
                assertNoPeer(new Stdio(Optional.empty(), dir.resolve("log"), out)));
    }

    @Test
    void fifosWhosePeersComeWithinTheBoundCarryTheStreams() throws Exception {
        Path in = fifo("in");
        Path out = fifo("out");
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            sleep(200);
            try {
                return Files.readString(out); // a reader that comes late
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            sleep(100);
            try (var stream = Files.newOutputStream(in)) { // a writer that comes late and says nothing at first
                sleep(PEER_WAIT.toMillis() + 200);
                stream.write("through the fifo\n".getBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        int pid = PosixSpawn.spawn(Path.of("/bin/cat"), List.of("cat"), List.of(), Path.of("/"),
                new Stdio(Optional.of(in), out, dir.resolve("err")), PEER_WAIT, List.of(), threads);
        assertEquals(0, Reaper.waitFor(pid), () -> read("err"));
        writer.get(5, TimeUnit.SECONDS);
        assertEquals("through the fifo\n", read.get(5, TimeUnit.SECONDS));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
