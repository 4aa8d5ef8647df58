package io.hatchway.mbeans;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/** The task events one MBean sent, as a JMX client subscribed through the MBeanServer receives them. */
final class EventLog implements NotificationListener {
    /** One received event: its notification type and its fields. */
    record Received(String type, Map<String, Object> fields) {
        Object get(String field) {
            return fields.get(field);
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Long> sequenceNumbers = new CopyOnWriteArrayList<>();
    private final Consumer<Received> onReceipt;

    private EventLog(Consumer<Received> onReceipt) {
        this.onReceipt = onReceipt;
    }

    /** Subscribes to {@code name} in {@code server}. */
    static EventLog subscribe(MBeanServer server, ObjectName name) {
        return subscribe(server, name, event -> { });
    }

    /** Subscribes, running {@code onReceipt} as each event arrives (on the sender's thread). */
    static EventLog subscribe(MBeanServer server, ObjectName name, Consumer<Received> onReceipt) {
        EventLog log = new EventLog(onReceipt);
        try {
            server.addNotificationListener(name, log, null, null);
        } catch (InstanceNotFoundException e) {
            throw new AssertionError(name + " is not registered", e);
        }
        return log;
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        CompositeData data = (CompositeData) notification.getUserData();
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String key : data.getCompositeType().keySet()) {
            fields.put(key, data.get(key));
        }
        Received event = new Received(notification.getType(), fields);
        onReceipt.accept(event);
        sequenceNumbers.add(notification.getSequenceNumber());
        received.add(event);
    }

    /** The sequence numbers of the notifications received, in the order received. */
    List<Long> sequenceNumbers() {
        return List.copyOf(sequenceNumbers);
    }

    List<Received> events() {
        return List.copyOf(received);
    }

    List<String> types() {
        return received.stream().map(Received::type).toList();
    }

    /** The events about one exec: {@code execId} (exec-added, exec-started) or {@code id} (exit, delete). */
    List<String> typesFor(String execOrTaskId) {
        return received.stream()
                .filter(e -> execOrTaskId.equals(e.get("execId")) || execOrTaskId.equals(e.get("id")))
                .map(Received::type).toList();
    }
}
