package io.hatchway.mbeans;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a {@link Task} and its execs are given from outside their state machine: where their events
 * and their comings and goings are told, the threads their background work runs on, and the bounds
 * of their waits. One context serves every task of a service; nothing in it knows JMX.
 *
 * @param listener told of every event, every exec added or deleted and every task deleted
 * @param executor runs the work that follows an exit (teardown, exit events)
 * @param scheduler runs delayed work (the SIGKILL watchdog)
 * @param timeouts the bounds of CONTRACT.md's waits
 */
record TaskContext(TaskListener listener, Executor executor, ScheduledExecutorService scheduler, Timeouts timeouts) {
    TaskContext {
        Objects.requireNonNull(listener);
        Objects.requireNonNull(executor);
        Objects.requireNonNull(scheduler);
        Objects.requireNonNull(timeouts);
    }
}
