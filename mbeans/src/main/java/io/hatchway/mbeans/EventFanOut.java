package io.hatchway.mbeans;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where task events go: each is sent by its task's MBean and by the service's, each numbering its
 * own. A task's emitter is {@link #attach attached} once its MBean is registered and {@link #detach
 * detached} when it is unregistered; events of a task without one go to the service's alone.
 * Thread-safe.
 */
final class EventFanOut {
    private static final Logger log = LoggerFactory.getLogger(EventFanOut.class);

    private final Emitter service = new Emitter(TaskService.NAME);
    private final Map<Task, Emitter> tasks = new ConcurrentHashMap<>();

    /** The service MBean's emitter. */
    Emitter service() {
        return service;
    }

    void attach(Task task, Emitter emitter) {
        tasks.put(task, emitter);
    }

    void detach(Task task) {
        tasks.remove(task);
    }

    /** Sends {@code event} from the task's MBean and from the service's. */
    void send(Task task, Event event) {
        if (log.isDebugEnabled()) {
            log.debug("event {} {}", event.topic(), event.fields());
        }
        CompositeData data = event.toCompositeData(); // immutable: one for both
        Emitter emitter = tasks.get(task);
        if (emitter != null) {
            emitter.send(event, data);
        }
        service.send(event, data);
    }
}
