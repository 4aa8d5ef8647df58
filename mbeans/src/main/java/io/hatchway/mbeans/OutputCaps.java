package io.hatchway.mbeans;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Frees the output Hatchway keeps for every exec of every task down to its cap, once a second (see
 * {@link OutputLog}). The process and runc backends hold a kept stream to its cap at every write
 * ({@link io.hatchway.hcs.Stdio#stdoutCap}), and this finds nothing to do there; it bounds the
 * output of a backend that writes it as it comes (windows).
 */
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
