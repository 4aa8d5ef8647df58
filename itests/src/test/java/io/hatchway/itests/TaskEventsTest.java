package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SIGKILL;
import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.TaskClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/** Task events as JMX notifications, received over the connector, in CONTRACT.md's order. */
class TaskEventsTest extends HostJvmTest {

    @Test
    void aTasksEventsArriveInContractOrder() throws Exception {
        List<Notification> fromService = listen(ChildJvm.TASK_SERVICE);
        Path bundle = TaskClient.bundle(bundleDir("t1"), SLEEP);
        client.createTask("t1", bundle);
        List<Notification> fromTask = listen(task("t1"));
        int initPid = client.start("t1", "");
        client.createExec("t1", "e1", SLEEP);
        int execPid = client.start("t1", "e1");
        client.killExec("t1", "e1", SIGKILL, false);
        String execExitedAt = (String) client.waitExec("t1", "e1").get("exitedAt");
        client.killExec("t1", "", SIGKILL, false);
        String initExitedAt = (String) client.waitExec("t1", "").get("exitedAt");
        client.deleteExec("t1", "");

        List<String> order = List.of("create", "start", "exec-added", "exec-started", "exit", "exit", "delete");
        awaitEvents(fromService, order.size());
        assertEquals(order, events(fromService));
        assertFields(fromService.get(0), Map.of("taskId", "t1", "bundle", bundle.toString(), "pid", 0));
        assertFields(fromService.get(1), Map.of("taskId", "t1", "pid", initPid));
        assertFields(fromService.get(2), Map.of("taskId", "t1", "execId", "e1"));
        assertFields(fromService.get(3), Map.of("taskId", "t1", "execId", "e1", "pid", execPid));
        assertFields(fromService.get(4), Map.of("taskId", "t1", "id", "e1", "pid", execPid,
                "exitStatus", 128L + SIGKILL, "exitedAt", execExitedAt));
        assertFields(fromService.get(5), Map.of("taskId", "t1", "id", "t1", "pid", initPid,
                "exitStatus", 128L + SIGKILL, "exitedAt", initExitedAt));
        assertFields(fromService.get(6), Map.of("taskId", "t1", "id", "", "pid", initPid,
                "exitStatus", 128L + SIGKILL, "exitedAt", initExitedAt));
        for (int i = 1; i < fromService.size(); i++) {
            assertTrue(fromService.get(i).getSequenceNumber() > fromService.get(i - 1).getSequenceNumber());
        }

        // The Task MBean sends the same events, from its subscription on (create came before it).
        awaitEvents(fromTask, order.size() - 1);
        assertEquals(order.subList(1, order.size()), events(fromTask));
        assertEquals(task("t1"), fromTask.get(0).getSource());
    }

    @Test
    void killAllSendsAnExitForEveryStartedExecBeforeTheInitExit() throws Exception {
        List<Notification> events = listen(ChildJvm.TASK_SERVICE);
        client.startedTask("t1", bundleDir("t1"));
        for (String execId : List.of("e1", "e2", "e3")) {
            client.createExec("t1", execId, SLEEP);
            client.start("t1", execId);
        }
        client.createExec("t1", "never-started", SLEEP);

        client.killAndDelete("t1");

        awaitEvents(events, 14);
        List<String> ids = new ArrayList<>();
        for (Notification n : events.subList(0, 14)) {
            CompositeData data = (CompositeData) n.getUserData();
            ids.add(event(n) + (data.containsKey("id") ? " " + data.get("id")
                    : data.containsKey("execId") ? " " + data.get("execId") : ""));
        }
        assertEquals(List.of("create", "start", "exec-added e1", "exec-started e1", "exec-added e2",
                "exec-started e2", "exec-added e3", "exec-started e3", "exec-added never-started"),
                ids.subList(0, 9));
        assertEquals(Set.of("exit e1", "exit e2", "exit e3"), Set.copyOf(ids.subList(9, 12)),
                "every started exec's exit, and none for the exec that never started");
        assertEquals(List.of("exit t1", "delete "), ids.subList(12, 14));
        assertEquals(14, events.size());
    }

    private List<Notification> listen(ObjectName mbean) throws Exception {
        List<Notification> received = new CopyOnWriteArrayList<>();
        client.jmx().addNotificationListener(mbean, (notification, handback) -> received.add(notification), null, null);
        return received;
    }

    private static void awaitEvents(List<Notification> received, int count) {
        await(count + " events").atMost(ChildJvm.TIMEOUT).until(() -> received.size() >= count);
    }

    /** {@code exit} for a notification of type {@code hatchway.task.exit}. */
    private static String event(Notification n) {
        assertTrue(n.getType().startsWith("hatchway.task."), n.getType());
        return n.getType().substring("hatchway.task.".length());
    }

    private static List<String> events(List<Notification> received) {
        List<String> out = new ArrayList<>();
        received.forEach(n -> out.add(event(n)));
        return out;
    }

    private static void assertFields(Notification n, Map<String, Object> expected) {
        CompositeData data = (CompositeData) n.getUserData();
        assertEquals(expected.keySet(), data.getCompositeType().keySet(), n.getType() + " fields");
        for (Map.Entry<String, Object> field : expected.entrySet()) {
            assertEquals(field.getValue(), data.get(field.getKey()), n.getType() + " " + field.getKey());
        }
        if (expected.containsKey("exitedAt")) {
            assertNotEquals("", data.get("exitedAt"));
        }
    }
}
