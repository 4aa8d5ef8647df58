package io.hatchway.jolokia;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.NotificationListener;
import javax.management.ObjectName;

/** The test MXBean, registered once per JVM in the platform MBean server. */
final class TestBean extends NotificationBroadcasterSupport implements TestMXBean {
    static final String NAME = "hatchway:type=Test";
    static final String ANNOUNCEMENT = "hatchway.test.announce";
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger reached = new AtomicInteger();
    private volatile String name = "initial";
    private volatile CountDownLatch gate = new CountDownLatch(1);

    private TestBean() {
        super(new MBeanNotificationInfo(new String[] {ANNOUNCEMENT}, Notification.class.getName(), "announcements"));
    }

    /** Registers {@value #NAME} unless it is registered already. */
    static synchronized void register() throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName objectName = new ObjectName(NAME);
        if (!server.isRegistered(objectName)) {
            server.registerMBean(new TestBean(), objectName);
        }
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public void setName(String name) {
        this.name = name;
    }

    @Override
    public String echo(String text) {
        return text;
    }

    @Override
    public void fail(String message) {
        throw new IllegalStateException(message);
    }

    @Override
    public String currentThread() {
        Thread thread = Thread.currentThread();
        return thread.getName() + (thread.isDaemon() ? " daemon" : "");
    }

    @Override
    public synchronized int announce(String message) {
        reached.set(0);
        sendNotification(new Notification(ANNOUNCEMENT, this, sequence.incrementAndGet(), message));
        return reached.get();
    }

    // Called once per listener, on the sending thread (no executor): counts those reached.
    @Override
    protected void handleNotification(NotificationListener listener, Notification notification, Object handback) {
        reached.incrementAndGet();
        super.handleNotification(listener, notification, handback);
    }

    @Override
    public String waitExec(String execId, long timeoutMillis) {
        CountDownLatch until = gate;
        waiting.incrementAndGet();
        try {
            return until.await(timeoutMillis, TimeUnit.MILLISECONDS) ? "released" : "timeout";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            waiting.decrementAndGet();
        }
    }

    @Override
    public synchronized int release() {
        CountDownLatch released = gate;
        gate = new CountDownLatch(1);
        int count = waiting.get();
        released.countDown();
        return count;
    }

    @Override
    public int getWaiting() {
        return waiting.get();
    }
}
