package io.hatchway.mbeans;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;

/**
 * A task event of CONTRACT.md: its containerd topic ({@code /tasks/exit}) and fields. Sent as a
 * JMX notification of type {@code hatchway.task.<event>} whose {@code userData} is
 * {@link #toCompositeData()}.
 */
public record Event(String topic, Map<String, Object> fields) {
    public static final String CREATE = "/tasks/create";
    public static final String START = "/tasks/start";
    public static final String EXEC_ADDED = "/tasks/exec-added";
    public static final String EXEC_STARTED = "/tasks/exec-started";
    public static final String EXIT = "/tasks/exit";
    public static final String DELETE = "/tasks/delete";

    /** Notification types, one per topic. */
    public static final String[] TYPES = {type(CREATE), type(START), type(EXEC_ADDED), type(EXEC_STARTED),
            type(EXIT), type(DELETE)};

    static Event create(String taskId, String bundle) {
        return of(CREATE, "taskId", taskId, "bundle", bundle, "pid", 0);
    }

    static Event start(String taskId, int pid) {
        return of(START, "taskId", taskId, "pid", pid);
    }

    static Event execAdded(String taskId, String execId) {
        return of(EXEC_ADDED, "taskId", taskId, "execId", execId);
    }

    static Event execStarted(String taskId, String execId, int pid) {
        return of(EXEC_STARTED, "taskId", taskId, "execId", execId, "pid", pid);
    }

    static Event exit(String taskId, String id, int pid, long exitStatus, String exitedAt) {
        return of(EXIT, "taskId", taskId, "id", id, "pid", pid, "exitStatus", exitStatus, "exitedAt", exitedAt);
    }

    static Event delete(String taskId, String id, int pid, long exitStatus, String exitedAt) {
        return of(DELETE, "taskId", taskId, "id", id, "pid", pid, "exitStatus", exitStatus, "exitedAt", exitedAt);
    }

    private static Event of(String topic, Object... keyValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new Event(topic, Map.copyOf(fields));
    }

    /** {@code hatchway.task.exit} for {@code /tasks/exit}. */
    public static String type(String topic) {
        return "hatchway.task." + topic.substring("/tasks/".length());
    }

    public String type() {
        return type(topic);
    }

    public String taskId() {
        return (String) fields.get("taskId");
    }

    /** The fields as open data, for the notification's {@code userData}. */
    public CompositeData toCompositeData() {
        String[] names = fields.keySet().stream().sorted().toArray(String[]::new);
        OpenType<?>[] types = new OpenType<?>[names.length];
        Object[] values = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            values[i] = fields.get(names[i]);
            types[i] = values[i] instanceof Integer ? SimpleType.INTEGER
                    : values[i] instanceof Long ? SimpleType.LONG : SimpleType.STRING;
        }
        try {
            CompositeType type = new CompositeType(type(), "Fields of " + topic, names, names, types);
            return new CompositeDataSupport(type, names, values);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }
}
