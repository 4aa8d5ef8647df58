package io.hatchway.hcs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a process's standard streams go: files on the host, the one description of them every
 * backend and launcher takes.
 *
 * <p><b>Absent</b> means one thing everywhere: an empty {@code stdin} is no input, the process
 * reads end-of-file at once ({@link #DEV_NULL}); output that nobody wants goes to {@link #DEV_NULL}
 * too, named as such. A given {@code stdin} is read to its end and can be closed earlier
 * ({@link ComputeProcess#closeStdin()}): backends that can close it feed the process through a pipe
 * of their own.
 *
 * <p>A file may be a FIFO (containerd's model). Opening one waits for its other end, a writer for
 * {@code stdin} and a reader for {@code stdout}/{@code stderr}, at most {@link #PEER_TIMEOUT} in
 * all; then the launch fails with DeadlineExceeded naming the file and nothing is started.
 *
 * <p>A process with a terminal has one stream out: its terminal's output goes to {@code stdout},
 * and {@code stderr} is left unwritten.
 *
 * <p>An output with a <b>cap</b> ({@link #stdoutCap}, {@link #stderrCap}: a file Hatchway keeps)
 * never holds more than that many bytes on disk, however fast the process writes: the backend
 * writes it through a {@link io.hatchway.hcs.linux.CappedFile}, which frees what lies before the
 * newest {@code cap} bytes as it writes, with no copy and no free space needed. A file without a
 * cap is the caller's and is written as the process writes it.
 */
public record Stdio(Optional<Path> stdin, Path stdout, Path stderr, OptionalLong stdoutCap, OptionalLong stderrCap) {
    /** How long a launch waits for the other ends of its FIFOs, all streams together. */
    public static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);
    /** The file of no input and of output nobody wants. */
    public static final Path DEV_NULL = Path.of("/dev/null");
    /** No input, and every output discarded. */
    public static final Stdio NULL = new Stdio(Optional.empty(), DEV_NULL, DEV_NULL);

    public Stdio {
        Objects.requireNonNull(stdin);
        Objects.requireNonNull(stdout);
        Objects.requireNonNull(stderr);
        Objects.requireNonNull(stdoutCap);
        Objects.requireNonNull(stderrCap);
    }

    /** Streams with no cap. */
    public Stdio(Optional<Path> stdin, Path stdout, Path stderr) {
        this(stdin, stdout, stderr, OptionalLong.empty(), OptionalLong.empty());
    }

    /** The same files, {@code stdout} and {@code stderr} capped as given. */
    public Stdio withCaps(OptionalLong stdoutCap, OptionalLong stderrCap) {
        return new Stdio(stdin, stdout, stderr, stdoutCap, stderrCap);
    }

    /** Whether either output has a cap. */
    public boolean capped() {
        return stdoutCap.isPresent() || stderrCap.isPresent();
    }

    /** The file the process reads: the given one, else {@link #DEV_NULL}. */
    public Path stdinOrNull() {
        return stdin.orElse(DEV_NULL);
    }
}
