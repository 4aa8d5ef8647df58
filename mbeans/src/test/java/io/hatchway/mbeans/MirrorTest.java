package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TaskService#mirrorInto}: the second MBean server (the host's platform server in a real
 * host) gets every Hatchway MBean registered before and after, loses them as they go and at close,
 * and its listeners get the same notifications as those of the first.
 */
class MirrorTest {
    @TempDir
    Path dir;

    @Test
    void theMirrorStaysInStepWithTheOwnServerAndItsListenersGetEveryEvent() {
        MBeanServer mirror = MBeanServerFactory.newMBeanServer();
        try (TaskFixture hatchway = new TaskFixture(Backend.PROCESS, dir)) {
            hatchway.started("before");
            hatchway.service.mirrorInto(mirror);
            assertEquals(hatchwayMBeans(hatchway.server), hatchwayMBeans(mirror), "what was registered before");
            assertTrue(mirror.isRegistered(TaskService.taskName("before")), hatchwayMBeans(mirror)::toString);

            EventLog serviceEvents = EventLog.subscribe(mirror, TaskService.NAME);
            EventLog taskEvents = EventLog.subscribe(mirror, TaskService.taskName("before"));
            TaskServiceMXBean service = JMX.newMXBeanProxy(mirror, TaskService.NAME, TaskServiceMXBean.class);
            assertEquals(0, service.createTask("after", hatchway.bundle("after", "/bin/true").toString(), ""),
                    "a task created through the mirror");
            TaskMXBean before = JMX.newMXBeanProxy(mirror, TaskService.taskName("before"), TaskMXBean.class);
            TaskFixture.startExecs(before, "e1");
            assertEquals(hatchwayMBeans(hatchway.server), hatchwayMBeans(mirror), "what was registered after");
            assertTrue(mirror.isRegistered(TaskService.execName("before", "e1")), hatchwayMBeans(mirror)::toString);

            TaskFixture.delete(before);
            assertFalse(mirror.isRegistered(TaskService.taskName("before")), "a deleted task leaves both servers");
            assertEquals(hatchwayMBeans(hatchway.server), hatchwayMBeans(mirror), "what is left");
            assertTrue(serviceEvents.events().stream().anyMatch(e -> e.type().equals("hatchway.task.create")
                    && "after".equals(e.get("taskId"))), "the service's listener in the mirror got the create: "
                    + serviceEvents.events());
            assertTrue(taskEvents.types().containsAll(List.of("hatchway.task.exec-added",
                    "hatchway.task.exec-started", "hatchway.task.exit", "hatchway.task.delete")),
                    "the task's listener in the mirror got its events: " + taskEvents.types());

            hatchway.service.mirrorInto(MBeanServerFactory.newMBeanServer()); // only the first mirror counts
        }
        assertEquals(Set.of(), hatchwayMBeans(mirror), "close leaves no Hatchway MBean in the mirror");
    }

    private static Set<String> hatchwayMBeans(MBeanServer server) {
        Set<String> names = new TreeSet<>();
        server.queryNames(TaskFixture.pattern(TaskService.DOMAIN + ":*"), null)
                .forEach((ObjectName name) -> names.add(name.getCanonicalName()));
        return names;
    }
}
