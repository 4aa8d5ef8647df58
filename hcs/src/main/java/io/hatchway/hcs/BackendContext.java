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
 * @param threads where the backend's threads come from; its owner (the agent) closes it after the
 *     backend, the backend never does
 */
public record BackendContext(Path stateDir, Duration hostExitShutdown, ComputeThreads threads) {
    /** The {@code hostExitShutdownMillis} agent option's default. */
    public static final Duration DEFAULT_HOST_EXIT_SHUTDOWN = Duration.ofSeconds(3);

    public BackendContext {
        Objects.requireNonNull(stateDir);
        Objects.requireNonNull(hostExitShutdown);
        Objects.requireNonNull(threads);
        if (hostExitShutdown.isNegative()) {
            throw new IllegalArgumentException("hostExitShutdown " + hostExitShutdown);
        }
    }

    /**
     * The context with threads of an owner of its own that nobody closes (for tests and tools): its
     * threads end one idle second after their work, or with the backend for an exit watcher.
     */
    public BackendContext(Path stateDir, Duration hostExitShutdown) {
        this(stateDir, hostExitShutdown, new ComputeThreads());
    }

    /** The context with the default host-exit shutdown wait and threads as {@link #BackendContext(Path, Duration)}'s. */
    public static BackendContext of(Path stateDir) {
        return new BackendContext(stateDir, DEFAULT_HOST_EXIT_SHUTDOWN);
    }
}
