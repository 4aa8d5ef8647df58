package io.hatchway.hcs.runc.cli;

import io.hatchway.hcs.Threads;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One run of a command-line program, bounded: its standard streams go to files or are captured,
 * and it is killed when it outlives its timeout. The JDK reaps it (it is the JVM's own child).
 */
final class Command {
    private static final File NULL_FILE = new File("/dev/null");
    /** How long captured output may lag behind the exit (a daemonized child may hold the pipe). */
    private static final long DRAIN_MILLIS = 1000;

    private static final ExecutorService READERS = Threads.shortLived("hatchway-runtime-io-");

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
     * Runs {@code argv}; a stream with no file in {@code io} is captured (stdout, stderr) or empty
     * (stdin).
     *
     * @throws IOException when the program cannot be started (the OS's reason in the message)
     * @throws TimedOut when it ran longer than {@code timeout}; it has been killed
     */
    static Result run(List<String> argv, Io io, Duration timeout) throws IOException, TimedOut {
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(io.stdin().map(Path::toFile).map(Redirect::from).orElse(Redirect.from(NULL_FILE)))
                .redirectOutput(io.stdout().map(Path::toFile).map(Redirect::appendTo).orElse(Redirect.PIPE))
                .redirectError(io.stderr().map(Path::toFile).map(Redirect::appendTo).orElse(Redirect.PIPE));
        builder.environment().remove("NOTIFY_SOCKET");
        Process process = builder.start();
        Capture out = io.stdout().isPresent() ? Capture.NONE : new Capture(process.getInputStream());
        Capture err = io.stderr().isPresent() ? Capture.NONE : new Capture(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
                throw new TimedOut();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new TimedOut();
        }
        return new Result(process.exitValue(), out.text(), err.text());
    }

    /** A stream read to its end on a pooled thread; {@link #text} waits a bounded time for the end. */
    private static final class Capture {
        static final Capture NONE = new Capture();

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<Void> done;

        private Capture() {
            done = CompletableFuture.completedFuture(null);
        }

        Capture(InputStream in) {
            done = CompletableFuture.runAsync(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        synchronized (bytes) {
                            bytes.write(buffer, 0, n);
                        }
                    }
                } catch (IOException e) { // closed under us: keep what was read
                }
            }, READERS);
        }

        String text() {
            try {
                done.get(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            } catch (Exception e) { // a child kept the pipe open: what was read so far
            }
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

}
