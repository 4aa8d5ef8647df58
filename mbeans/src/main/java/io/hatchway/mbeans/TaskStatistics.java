package io.hatchway.mbeans;

import io.hatchway.hcs.Statistics;

/**
 * What {@code stats()} returns: the container's figures and, for an isolated task that owns its
 * host, the host's ({@code null} otherwise). Immutable; an MXBean composite.
 */
public final class TaskStatistics {
    private final Statistics container;
    private final Statistics host;

    public TaskStatistics(Statistics container, Statistics host) {
        this.container = container;
        this.host = host;
    }

    public Statistics getContainer() {
        return container;
    }

    /** {@code null} unless the task is isolated and owns its host. */
    public Statistics getHost() {
        return host;
    }
}
