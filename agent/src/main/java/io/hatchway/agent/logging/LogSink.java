package io.hatchway.agent.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Where Hatchway's own log lines go: {@code <stateDir>/hatchway.log} once the agent knows its state
 * directory, the host's standard error before that. Never the host's logging set-up. A log over
 * 10 MiB is moved to {@code hatchway.log.1} when the agent starts. Thread-safe.
 */
public final class LogSink {
    static final long ROTATE_BYTES = 10L << 20;
    private static volatile PrintStream out = System.err;
    private static volatile boolean toFile;

    private LogSink() {
    }

    /** Sends further lines to {@code <stateDir>/hatchway.log}; stays on stderr if it cannot be opened. */
    public static synchronized Path useFile(Path stateDir) throws IOException {
        Path file = stateDir.resolve("hatchway.log");
        if (Files.exists(file) && Files.size(file) > ROTATE_BYTES) {
            Files.move(file, stateDir.resolve("hatchway.log.1"), StandardCopyOption.REPLACE_EXISTING);
        }
        OutputStream stream = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        close();
        out = new PrintStream(stream, true, StandardCharsets.UTF_8);
        toFile = true;
        return file;
    }

    public static boolean isFile() {
        return toFile;
    }

    /** Back to stderr, closing the file. */
    public static synchronized void close() {
        if (toFile) {
            out.close();
            out = System.err;
            toFile = false;
        }
    }

    static void write(String level, String logger, String message, Throwable error) {
        PrintStream sink = out;
        StringBuilder line = new StringBuilder(128).append(Instant.now()).append(' ').append(level).append(' ')
                .append(Thread.currentThread().getName()).append(' ').append(logger).append(" - ").append(message);
        synchronized (sink) {
            sink.println(toFile ? line : "[hatchway] " + line);
            if (error != null) {
                error.printStackTrace(sink);
            }
        }
    }
}
