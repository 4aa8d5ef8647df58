package io.hatchway.hcs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a backend is opened with ({@link ComputeBackendProvider#open}).
 *
 * @param stateDir Hatchway's state directory; a backend keeps its own state in a folder of it
 *     named after the backend ({@code process/}, {@code runc/})
 * @param hostExitShutdown how long a backend that ends its systems when the host exits
 *     ({@link ComputeBackend#hostExit}) gives them between asking them to stop and killing them
 */
public record BackendContext(Path stateDir, Duration hostExitShutdown) {
    /** The {@code hostExitShutdownMillis} agent option's default. */
    public static final Duration DEFAULT_HOST_EXIT_SHUTDOWN = Duration.ofSeconds(3);

    public BackendContext {
        Objects.requireNonNull(stateDir);
        Objects.requireNonNull(hostExitShutdown);
        if (hostExitShutdown.isNegative()) {
            throw new IllegalArgumentException("hostExitShutdown " + hostExitShutdown);
        }
    }

    /** The context with the default host-exit shutdown wait. */
    public static BackendContext of(Path stateDir) {
        return new BackendContext(stateDir, DEFAULT_HOST_EXIT_SHUTDOWN);
    }
}
