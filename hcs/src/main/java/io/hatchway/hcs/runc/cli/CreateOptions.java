package io.hatchway.hcs.runc.cli;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of {@code create} (go-runc's {@code CreateOpts}).
 *
 * @param pidFile where the runtime writes the container's init pid
 * @param io the init process's standard streams
 * @param log where the runtime writes its own log, JSON lines; the error of a failed create is
 *     read from there
 * @param noPivot {@code --no-pivot}: chroot instead of pivot_root (for a rootfs on a ramdisk)
 */
public record CreateOptions(Optional<Path> pidFile, Io io, Optional<Path> log, boolean noPivot) {
    public static final CreateOptions DEFAULT = new CreateOptions(Optional.empty(), Io.NULL, Optional.empty(), false);

    public CreateOptions {
        Objects.requireNonNull(pidFile);
        Objects.requireNonNull(io);
        Objects.requireNonNull(log);
    }
}
