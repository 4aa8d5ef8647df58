package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay between a process's pipes and its exec's files, over real pipes (the JDK's) standing
 * for the handles HCS hands out: what is written arrives, each end is closed once and never under
 * a running call, closeStdin ends the input, a FIFO without its peer fails the open in time.
 */
class StdioRelayTest {
    @TempDir
    Path dir;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(5, TimeUnit.SECONDS), "a relay thread is still running");
    }

    /** One end of a JDK pipe as a {@link PipeEnd}, counting closes and catching a call on a closed end. */
    static final class TestPipe implements PipeEnd {
        final Pipe pipe;
        final boolean readEnd;
        final AtomicInteger closes = new AtomicInteger();
        final AtomicBoolean callAfterClose = new AtomicBoolean();
        final AtomicBoolean inCall = new AtomicBoolean();
        final AtomicBoolean closedUnderCall = new AtomicBoolean();

        TestPipe(Pipe pipe, boolean readEnd) {
            this.pipe = pipe;
            this.readEnd = readEnd;
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            enter();
            try {
                return pipe.source().read(ByteBuffer.wrap(buffer));
            } finally {
                inCall.set(false);
            }
        }

        @Override
        public void write(byte[] buffer, int length) throws IOException {
            enter();
            try {
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, length);
                while (bytes.hasRemaining()) {
                    pipe.sink().write(bytes);
                }
            } finally {
                inCall.set(false);
            }
        }

        private void enter() {
            if (closes.get() > 0) {
                callAfterClose.set(true);
            }
            inCall.set(true);
        }

        @Override
        public void close() {
            if (inCall.get()) {
                closedUnderCall.set(true);
            }
            closes.incrementAndGet();
            try {
                (readEnd ? pipe.source() : pipe.sink()).close();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        void assertClosedOnceCleanly() {
            assertEquals(1, closes.get(), "closes");
            assertFalse(callAfterClose.get(), "a call after close");
            assertFalse(closedUnderCall.get(), "closed under a running call");
        }
    }

    private Stdio stdio(Optional<Path> stdin) {
        return new Stdio(stdin, dir.resolve("out"), dir.resolve("err"));
    }

    @Test
    void outputReachesItsFilesAndTheRelayEndsWithThePipes() throws Exception {
        Files.writeString(dir.resolve("out"), "before\n");
        TestPipe out = new TestPipe(Pipe.open(), true);
        TestPipe err = new TestPipe(Pipe.open(), true);
        StreamFiles files = StreamFiles.open(stdio(Optional.empty()), Stdio.PEER_TIMEOUT, threads);
        StdioRelay relay = StdioRelay.start("test", files, Optional.empty(), Optional.of(out), Optional.of(err), threads);

        out.pipe.sink().write(ByteBuffer.wrap("to stdout\n".getBytes(StandardCharsets.UTF_8)));
        err.pipe.sink().write(ByteBuffer.wrap("to stderr\n".getBytes(StandardCharsets.UTF_8)));
        out.pipe.sink().close();
        Thread.sleep(100);
        assertFalse(relay.outputDone().toCompletableFuture().isDone(), "stderr is still open");
        err.pipe.sink().close();
        relay.outputDone().toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertEquals("before\nto stdout\n", Files.readString(dir.resolve("out")), "appended");
        assertEquals("to stderr\n", Files.readString(dir.resolve("err")));
        out.assertClosedOnceCleanly();
        err.assertClosedOnceCleanly();
    }

    @Test
    void stdinIsCopiedThenItsPipeClosed() throws Exception {
        Path in = Files.writeString(dir.resolve("in"), "input\n");
        TestPipe stdin = new TestPipe(Pipe.open(), false);
        StreamFiles files = StreamFiles.open(stdio(Optional.of(in)), Stdio.PEER_TIMEOUT, threads);
        StdioRelay.start("test", files, Optional.of(stdin), Optional.empty(), Optional.empty(), threads);

        ByteBuffer read = ByteBuffer.allocate(100);
        while (stdin.pipe.source().read(read) >= 0) {
            // until the relay closes its end
        }
        assertEquals("input\n", new String(read.array(), 0, read.position(), StandardCharsets.UTF_8));
        stdin.assertClosedOnceCleanly();
    }

    @Test
    void closeStdinEndsACopyWaitingForItsFile() throws Exception {
        Path fifo = mkfifo("in.fifo");
        TestPipe stdin = new TestPipe(Pipe.open(), false);
        Thread writer = new Thread(() -> {
            try (var channel = java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap("some\n".getBytes(StandardCharsets.UTF_8)));
                Thread.sleep(3_000); // holds the FIFO open, writing nothing more
            } catch (IOException | InterruptedException e) {
                // ended by the test
            }
        });
        writer.start();
        StreamFiles files = StreamFiles.open(stdio(Optional.of(fifo)), Stdio.PEER_TIMEOUT, threads);
        StdioRelay relay = StdioRelay.start("test", files, Optional.of(stdin), Optional.empty(), Optional.empty(), threads);
        ByteBuffer read = ByteBuffer.allocate(100);
        stdin.pipe.source().read(read);
        assertEquals("some\n", new String(read.array(), 0, read.position(), StandardCharsets.UTF_8));

        long started = System.nanoTime();
        relay.closeStdin();
        read.clear();
        assertEquals(-1, stdin.pipe.source().read(read), "the process reads the end of its input");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos(), "at once, not when the writer leaves");
        stdin.assertClosedOnceCleanly();
        writer.interrupt();
        writer.join();
    }

    @Test
    void aFifoWithoutItsReaderFailsTheOpenInTimeNamingIt() throws Exception {
        Path fifo = mkfifo("out.fifo");
        Duration bound = Duration.ofMillis(300);
        long started = System.nanoTime();
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> StreamFiles.open(new Stdio(Optional.empty(), fifo, dir.resolve("err")), bound, threads));
        long took = System.nanoTime() - started;
        assertEquals(ErrorKind.DeadlineExceeded, e.kind());
        assertEquals("DeadlineExceeded: stdout " + fifo + ": no reader opened the FIFO within 300 ms", e.getMessage());
        assertTrue(took >= bound.toNanos() && took < bound.toNanos() + Duration.ofSeconds(2).toNanos(), took + " ns");
        assertFalse(Files.exists(dir.resolve("err")), "nothing opened after it");
    }

    @Test
    void aFifoWithoutItsWriterFailsTheOpenInTime() throws Exception {
        Path fifo = mkfifo("in.fifo");
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> StreamFiles.open(stdio(Optional.of(fifo)), Duration.ofMillis(200), threads));
        assertEquals("DeadlineExceeded: stdin " + fifo + ": no writer opened the FIFO within 200 ms", e.getMessage());
    }

    private Path mkfifo(String name) throws IOException, InterruptedException {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }
}
