package io.hatchway.hcs.windows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries one process's standard streams between the pipes HCS created for it and the exec's files
 * ({@link StreamFiles}): stdout and stderr from their pipe to their file until the pipe ends, stdin
 * from its file to its pipe until the file ends or {@link #closeStdin} (then the pipe is closed,
 * which the process reads as end of input). One thread per stream, each the only user of its pipe
 * and its file, closing both when it leaves: a handle is closed exactly once and never under a
 * running read or write.
 *
 * <p>An output thread ends when every writer of its pipe has closed it: the process and any child
 * that inherited the stream. When a file cannot be written (a full disk) the thread stops reading
 * and closes the pipe, so the process's writes fail as they would on the file itself.
 */
final class StdioRelay {
    private static final Logger log = LoggerFactory.getLogger(StdioRelay.class);
    private static final int BUFFER = 64 * 1024;

    private final String what;
    private final CompletableFuture<Void> stdoutDone = new CompletableFuture<>();
    private final CompletableFuture<Void> stderrDone = new CompletableFuture<>();
    private final Object stdinLock = new Object();
    private Thread stdinThread; // guarded by stdinLock; the thread copying stdin while it runs
    private boolean stdinClosed; // guarded by stdinLock

    private StdioRelay(String what) {
        this.what = what;
    }

    /**
     * Starts relaying; the relay owns {@code files} and the pipes from here on. A pipe HCS did not
     * create (empty) leaves its file untouched, closed at once.
     *
     * @param what names the process in the log
     */
    static StdioRelay start(String what, StreamFiles files, Optional<PipeEnd> stdin, Optional<PipeEnd> stdout,
            Optional<PipeEnd> stderr, Executor threads) {
        StdioRelay relay = new StdioRelay(what);
        relay.output("stdout", stdout, files.stdout(), relay.stdoutDone, threads);
        relay.output("stderr", stderr, files.stderr(), relay.stderrDone, threads);
        if (stdin.isPresent() && files.stdin().isPresent()) {
            threads.execute(() -> relay.copyStdin(files.stdin().get(), stdin.get()));
        } else {
            files.stdin().ifPresent(StreamFiles::closeQuietly);
            stdin.ifPresent(PipeEnd::close); // no input: the process reads its end at once
        }
        return relay;
    }

    /** Completes once stdout and stderr have reached their end and are written to their files. */
    CompletionStage<Void> outputDone() {
        return CompletableFuture.allOf(stdoutDone, stderrDone);
    }

    /**
     * Stops copying stdin and closes its pipe: at once when the copy waits for its file, once the
     * write under way returns when it waits for the process to read. Idempotent.
     */
    void closeStdin() {
        synchronized (stdinLock) {
            stdinClosed = true;
            if (stdinThread != null) {
                stdinThread.interrupt(); // a FileChannel read returns at once, closing its channel
            }
        }
    }

    private void output(String stream, Optional<PipeEnd> pipe, FileChannel file, CompletableFuture<Void> done,
            Executor threads) {
        if (pipe.isEmpty()) {
            StreamFiles.closeQuietly(file);
            done.complete(null);
            return;
        }
        threads.execute(() -> {
            try {
                copyOutput(stream, pipe.get(), file);
            } finally {
                pipe.get().close();
                StreamFiles.closeQuietly(file);
                done.complete(null);
            }
        });
    }

    private void copyOutput(String stream, PipeEnd pipe, FileChannel file) {
        byte[] buffer = new byte[BUFFER];
        while (true) {
            int count;
            try {
                count = pipe.read(buffer);
            } catch (IOException e) {
                log.debug("{}: {} pipe: {}", what, stream, e.toString());
                return;
            }
            if (count < 0) {
                return;
            }
            try {
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, count);
                while (bytes.hasRemaining()) {
                    file.write(bytes);
                }
            } catch (IOException e) {
                log.warn("{}: {} cannot be written any more, its pipe is closed: {}", what, stream, e.toString());
                return;
            }
        }
    }

    private void copyStdin(FileChannel file, PipeEnd pipe) {
        try {
            synchronized (stdinLock) {
                if (stdinClosed) {
                    return;
                }
                stdinThread = Thread.currentThread();
            }
            byte[] buffer = new byte[BUFFER];
            ByteBuffer bytes = ByteBuffer.wrap(buffer);
            while (true) {
                bytes.clear();
                int count = file.read(bytes);
                if (count < 0) {
                    return;
                }
                synchronized (stdinLock) {
                    if (stdinClosed) {
                        return;
                    }
                }
                pipe.write(buffer, count);
            }
        } catch (ClosedByInterruptException e) {
            // closeStdin
        } catch (IOException e) {
            synchronized (stdinLock) {
                if (!stdinClosed) {
                    log.debug("{}: stdin: {}", what, e.toString());
                }
            }
        } finally {
            synchronized (stdinLock) {
                stdinThread = null;
                Thread.interrupted(); // a late closeStdin's interrupt stays with this relay
            }
            pipe.close();
            StreamFiles.closeQuietly(file);
        }
    }
}
