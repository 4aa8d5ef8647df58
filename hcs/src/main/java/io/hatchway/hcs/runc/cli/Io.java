package io.hatchway.hcs.runc.cli;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the standard streams of a runtime command (and so of the container process it starts)
 * go: files on the host, or {@code /dev/null} where empty. Files, never pipes: a pipe held by a
 * detached container would keep a reader of the runtime's output waiting until the container
 * exits (go-runc's {@code IO} has the same trap).
 */
public record Io(Optional<Path> stdin, Optional<Path> stdout, Optional<Path> stderr) {
    /** Everything from and to {@code /dev/null}. */
    public static final Io NULL = new Io(Optional.empty(), Optional.empty(), Optional.empty());

    public Io {
        Objects.requireNonNull(stdin);
        Objects.requireNonNull(stdout);
        Objects.requireNonNull(stderr);
    }
}
