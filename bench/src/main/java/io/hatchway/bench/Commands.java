package io.hatchway.bench;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Command-line programs run from this JVM: the reference sides of the benchmark, and set-up steps. */
final class Commands {
    private static final File NULL = new File("/dev/null");
    private static final List<Path> SYSTEM_DIRS = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"),
            Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/sbin"), Path.of("/bin"));

    /** What a finished command left. */
    record Result(int exitCode, String stdout, String stderr) {
        Result check(List<String> argv) {
            if (exitCode != 0) {
                throw new IllegalStateException(String.join(" ", argv) + ": exit status " + exitCode + ": "
                        + (stderr.isBlank() ? stdout : stderr).strip());
            }
            return this;
        }
    }

    private Commands() {
    }

    /** {@code name} on PATH or in the usual system directories. */
    static Optional<Path> find(String name) {
        List<Path> dirs = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.addAll(SYSTEM_DIRS);
        for (Path dir : dirs) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs {@code argv}, output captured through files (no reader threads), bounded by {@code timeout}. */
    static Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        return run(argv, timeout, Map.of());
    }

    static Result run(List<String> argv, Duration timeout, Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("bench-cmd-", ".out");
        Path err = Files.createTempFile("bench-cmd-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(NULL)
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", argv) + ": no exit within " + timeout);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@link #run} that must succeed. */
    static String check(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        return run(argv, timeout).check(argv).stdout();
    }

    /**
     * Runs {@code argv} as a user's shell would for a timing: stdin empty, stdout discarded, stderr
     * appended to {@code errors} (read only on failure). @return the nanoseconds from start to exit
     */
    static long timed(List<String> argv, Path errors) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(argv).redirectInput(NULL).redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.appendTo(errors.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + ": no exit within 60 s");
        }
        long nanos = System.nanoTime() - start;
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + ": exit status " + p.exitValue() + "; stderr: "
                    + tail(errors));
        }
        return nanos;
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
