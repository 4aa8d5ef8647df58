package io.hatchway.hcs.runc.cli;

import io.hatchway.hcs.Stdio;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of {@code exec} (go-runc's {@code ExecOpts}).
 *
 * @param pidFile where the runtime writes the new process's host pid
 * @param detach {@code --detach}: return once the process runs instead of when it exits
 * @param stdio the process's standard streams
 * @param log where the runtime writes its own log, JSON lines; a failure of the runtime (as opposed
 *     to a non-zero exit of the process) is told apart by an error there
 */
public record ExecOptions(Optional<Path> pidFile, boolean detach, Stdio stdio, Optional<Path> log) {
    public ExecOptions {
        Objects.requireNonNull(pidFile);
        Objects.requireNonNull(stdio);
        Objects.requireNonNull(log);
    }
}
