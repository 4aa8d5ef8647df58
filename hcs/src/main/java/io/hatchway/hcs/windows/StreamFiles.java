package io.hatchway.hcs.windows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The files an exec's streams are relayed to and from ({@link Stdio}), open: stdout and stderr for
 * appending (created when missing), stdin for reading. Opening never blocks the caller beyond its
 * bound: a FIFO waits for its other end at most that long, all streams together, then the open
 * fails with DeadlineExceeded naming it, nothing left open. Closing is the relay's: each channel is
 * closed once, by the relay thread that uses it ({@link StdioRelay}), or by {@link #close} when no
 * relay took them.
 */
record StreamFiles(Optional<FileChannel> stdin, FileChannel stdout, FileChannel stderr) implements AutoCloseable {
    private static final Set<OpenOption> APPEND = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
    private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ);

    /**
     * Opens {@code stdio}'s files; a FIFO's open runs on {@code opener} and waits for its peer at
     * most {@code bound} (all streams together).
     *
     * @throws HatchwayException DeadlineExceeded {@code <stream> <file>: no reader|writer opened the
     *     FIFO within <n> ms}; InvalidArgument when a file cannot be opened
     */
    static StreamFiles open(Stdio stdio, Duration bound, Executor opener) {
        long deadline = System.nanoTime() + bound.toNanos();
        FileChannel stdin = null;
        FileChannel stdout = null;
        try {
            if (stdio.stdin().isPresent()) {
                stdin = open("stdin", stdio.stdin().get(), READ, deadline, bound, opener);
            }
            stdout = open("stdout", stdio.stdout(), APPEND, deadline, bound, opener);
            FileChannel stderr = open("stderr", stdio.stderr(), APPEND, deadline, bound, opener);
            return new StreamFiles(Optional.ofNullable(stdin), stdout, stderr);
        } catch (RuntimeException e) {
            closeQuietly(stdin);
            closeQuietly(stdout);
            throw e;
        }
    }

    private static FileChannel open(String stream, Path file, Set<OpenOption> options, long deadline,
            Duration bound, Executor opener) {
        try {
            if (!isFifo(file)) {
                return FileChannel.open(file, options);
            }
        } catch (IOException e) {
            throw cannotOpen(stream, file, e);
        }
        // open(2) of a FIFO blocks until the other end opens, and cannot be interrupted: it runs
        // on a thread of its own, which at the deadline is released by opening the other end here.
        CompletableFuture<FileChannel> opened = CompletableFuture.supplyAsync(() -> {
            try {
                return FileChannel.open(file, options);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, opener);
        try {
            return opened.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            release(file, options == READ ? APPEND : READ, opened);
            throw ErrorKind.DeadlineExceeded.error("%s %s: no %s opened the FIFO within %d ms", stream, file,
                    options == READ ? "writer" : "reader", bound.toMillis());
        } catch (ExecutionException e) {
            throw cannotOpen(stream, file, e.getCause().getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        }
    }

    /** Opens the other end of {@code fifo} so the thread blocked opening it returns, then closes both. */
    private static void release(Path fifo, Set<OpenOption> otherEnd, CompletableFuture<FileChannel> opened) {
        opened.thenAccept(StreamFiles::closeQuietly);
        if (opened.isDone()) {
            return;
        }
        FileChannel peer = null;
        try {
            peer = FileChannel.open(fifo, otherEnd);
            opened.get(1, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            // the FIFO went away meanwhile: the blocked open fails by itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(peer);
        }
    }

    private static boolean isFifo(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        return Files.readAttributes(file, BasicFileAttributes.class).isOther()
                && !Files.isDirectory(file);
    }

    private static HatchwayException cannotOpen(String stream, Path file, IOException e) {
        return ErrorKind.InvalidArgument.error("%s %s: cannot open: %s", stream, file, HatchwayException.reason(e));
    }

    static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do with it
            }
        }
    }

    /** Closes every file; for streams no relay took. */
    @Override
    public void close() {
        stdin.ifPresent(StreamFiles::closeQuietly);
        closeQuietly(stdout);
        closeQuietly(stderr);
    }
}
