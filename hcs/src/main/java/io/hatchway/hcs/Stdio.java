package io.hatchway.hcs;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a process's standard streams go: files on the host. {@code stdin} empty means no input
 * (the process reads end-of-file).
 */
public record Stdio(Optional<Path> stdin, Path stdout, Path stderr) {
    public Stdio {
        Objects.requireNonNull(stdin);
        Objects.requireNonNull(stdout);
        Objects.requireNonNull(stderr);
    }
}
