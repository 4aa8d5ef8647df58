package io.hatchway.mbeans;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Bounds the output Hatchway keeps for every exec of every task, once a second (see {@link OutputLog}). */
final class OutputCaps {
    private OutputCaps() {
    }

    /** Checks every task of {@code tasks} once a second on {@code scheduler} until it shuts down. */
    static void schedule(ScheduledExecutorService scheduler, Tasks tasks) {
        scheduler.scheduleWithFixedDelay(() -> enforce(tasks), 1, 1, TimeUnit.SECONDS);
    }

    private static void enforce(Tasks tasks) {
        for (Task task : tasks.all()) {
            task.init().enforceOutputCaps();
            task.execs().forEach(Exec::enforceOutputCaps);
        }
    }
}
