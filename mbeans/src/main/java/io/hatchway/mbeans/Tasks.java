package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of live tasks by id, and of the ids being created. An id is taken by {@link #claim}
 * before its task exists and given back by {@link #unclaim}; a task leaves through {@link #remove}
 * once its delete released everything it held. Thread-safe; nothing here blocks but a claim.
 */
final class Tasks {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Set<String> creating = ConcurrentHashMap.newKeySet();

    /**
     * Takes {@code id} for a create. An id whose task is being deleted is free once that delete has
     * released it: the claim waits for that, at most {@code deleteWait}, so no clean-up of the old
     * task can ever touch the new one.
     *
     * @throws io.hatchway.hcs.HatchwayException AlreadyExists when a task has that id or another
     *     create took it; DeadlineExceeded when the old task's delete did not end in time
     */
    void claim(String id, Duration deleteWait) {
        Task previous = tasks.get(id);
        if (previous != null && previous.isDeleted()) {
            Timeouts.await(previous.released(), deleteWait, "task: '" + id + "' to be deleted");
        }
        if (tasks.containsKey(id) || !creating.add(id)) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
        }
    }

    /** Gives back a claimed id: its task is {@link #add added}, or the create failed. */
    void unclaim(String id) {
        creating.remove(id);
    }

    void add(Task task) {
        tasks.put(task.getId(), task);
    }

    /** Takes a deleted task out, freeing its id (unless another task holds it already). */
    void remove(Task task) {
        tasks.remove(task.getId(), task);
    }

    /** @throws io.hatchway.hcs.HatchwayException NotFound {@code task with id: '<id>' not found} */
    Task get(String id) {
        Task task = id == null ? null : tasks.get(id);
        if (task == null || task.isDeleted()) {
            throw ErrorKind.NotFound.error("task with id: '%s' not found", id);
        }
        return task;
    }

    /** Ids of the tasks not deleted. */
    List<String> ids() {
        return tasks.values().stream().filter(task -> !task.isDeleted()).map(Task::getId).toList();
    }

    /** Every task held, deleted ones still releasing included. */
    List<Task> all() {
        return List.copyOf(tasks.values());
    }

    void clear() {
        tasks.clear();
    }
}
