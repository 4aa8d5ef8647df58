package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.RecoveredSystem;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finding tasks again at start: every task the backend finds from a previous run on the same state
 * ({@link ComputeBackend#recover()}) is registered again, with its init exec and its started execs
 * in their real state; no {@code create} event is sent for them. Execs that were created and never
 * started are not found again.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {
    }

    /**
     * Registers what {@code backend} finds in {@code tasks} and {@code mbeans}, each task's state under
     * {@code tasksDir}. A failure is logged: for one task, that task is left out (its processes left
     * running, found again at the next start); for the whole recovery, nothing is registered.
     */
    static void recover(ComputeBackend backend, Path tasksDir, TaskContext context, Tasks tasks, TaskMBeans mbeans) {
        List<RecoveredSystem> found;
        try {
            found = backend.recover();
        } catch (RuntimeException e) {
            log.warn("recovery failed; previous tasks are not re-registered", e);
            return;
        }
        for (RecoveredSystem recovered : found) {
            Task task = null;
            try {
                Ids.check(recovered.id(), "task id");
                task = Task.recovered(context, recovered, tasksDir.resolve(recovered.id()));
                mbeans.register(task);
                for (Exec exec : task.execs()) {
                    mbeans.register(exec);
                }
                tasks.add(task);
                task.adopt(recovered); // once registered: the events it sends have a sender
                log.info("task '{}' recovered with {} exec(s)", recovered.id(), task.execs().size());
            } catch (RuntimeException e) {
                // Its processes are someone's workload: left running, found again at the next start.
                log.warn("task '{}' found again but not re-registered; left running: {}", recovered.id(),
                        e.getMessage());
                if (task != null) {
                    mbeans.unregister(task);
                    tasks.remove(task);
                }
            }
        }
    }
}
