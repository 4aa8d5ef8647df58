package io.hatchway.mbeans;

import io.hatchway.hcs.Statistics;
import javax.management.ConstructorParameters;

/**
 * What {@code stats()} returns: the container's figures and, for an isolated task that owns its
 * host, the host's ({@code null} otherwise). Immutable; an MXBean composite.
 */
public final class TaskStatistics {
    private final Statistics container;
    private final Statistics host;

    /** MXBean proxies rebuild this composite through this constructor. */
    @ConstructorParameters({"container", "host"})
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
