package io.hatchway.hcs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a process's standard streams go: files on the host. {@code stdin} empty means no input
 * (the process reads end-of-file).
 *
 * <p>A file may be a FIFO (containerd's model). Opening one waits for its other end, a writer for
 * {@code stdin} and a reader for {@code stdout}/{@code stderr}, at most {@link #PEER_TIMEOUT} in
 * all; then the launch fails with DeadlineExceeded naming the file and nothing is started.
 */
public record Stdio(Optional<Path> stdin, Path stdout, Path stderr) {
    /** How long a launch waits for the other ends of its FIFOs, all streams together. */
    public static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);

    public Stdio {
        Objects.requireNonNull(stdin);
        Objects.requireNonNull(stdout);
        Objects.requireNonNull(stderr);
    }
}
