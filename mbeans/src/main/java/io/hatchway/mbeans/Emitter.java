package io.hatchway.mbeans;

import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * One MBean's notifications: numbered by it alone, 1, 2, 3, ... in the order they are sent, so a
 * client sees a gap only where it really missed one. Thread-safe.
 */
final class Emitter {
    private final NotificationBroadcasterSupport broadcaster = new NotificationBroadcasterSupport(
            new MBeanNotificationInfo(Event.TYPES, Notification.class.getName(),
                    "Task events (containerd topics /tasks/*)"));
    private final ObjectName name;
    private long sequence; // guarded by this

    Emitter(ObjectName name) {
        this.name = name;
    }

    /** What the MBean's listeners are added to. */
    NotificationBroadcasterSupport broadcaster() {
        return broadcaster;
    }

    /** Sends {@code event}, whose fields are {@code data}, as the MBean's next notification. */
    synchronized void send(Event event, CompositeData data) {
        Notification n = new Notification(event.type(), name, ++sequence, System.currentTimeMillis(), event.topic());
        n.setUserData(data);
        broadcaster.sendNotification(n);
    }
}
