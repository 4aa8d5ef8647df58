package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.exec;
import static io.hatchway.testsupport.TaskClient.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * What JConsole shows over the connector: every operation with its real parameter names (never
 * {@code p0}) and a description for each operation, parameter and attribute.
 */
class MBeanInfoTest extends HostJvmTest {

    @Test
    void theTaskServiceIsDescribed() throws Exception {
        assertDescribed(ChildJvm.TASK_SERVICE,
                Map.of("createTask", List.of("id", "bundle", "optionsJson")),
                Set.of("TaskIds", "Backend", "Version", "JolokiaUrl"));
        assertNotifies(ChildJvm.TASK_SERVICE);
        assertFalse(((String) client.attribute(ChildJvm.TASK_SERVICE, "Version")).isBlank());
    }

    @Test
    void tasksAndExecsAreDescribed() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);

        Map<String, List<String>> taskOperations = new LinkedHashMap<>();
        taskOperations.put("createExec", List.of("execId", "processJson"));
        taskOperations.put("start", List.of("execId"));
        taskOperations.put("state", List.of("execId"));
        taskOperations.put("killExec", List.of("execId", "signal", "all"));
        taskOperations.put("deleteExec", List.of("execId"));
        taskOperations.put("pids", List.of());
        taskOperations.put("waitExec", List.of("execId", "timeoutMillis"));
        taskOperations.put("stats", List.of());
        taskOperations.put("execInHost", List.of("processJson", "timeoutMillis"));
        taskOperations.put("dumpGuestStacks", List.of());
        taskOperations.put("share", List.of("hostPath", "guestPath", "readOnly"));
        taskOperations.put("resizePty", List.of("execId", "width", "height"));
        taskOperations.put("closeIO", List.of("execId", "stdin"));
        assertDescribed(task("t1"), taskOperations,
                Set.of("Id", "Bundle", "Isolated", "Pid", "Status", "ExecIds", "CpuTime100ns", "MemoryBytes",
                        "ProcessCount"));
        assertNotifies(task("t1"));

        Map<String, List<String>> execOperations = Map.of("start", List.of(), "kill", List.of("signal"),
                "waitFor", List.of("timeoutMillis"), "resizePty", List.of("width", "height"),
                "closeIO", List.of("stdin"));
        Set<String> execAttributes = Set.of("Id", "TaskId", "State", "Pid", "ExitStatus", "ExitedAt", "Terminal",
                "Stdout", "Stderr", "StdoutLines", "StderrLines");
        assertDescribed(exec("t1", "e1"), execOperations, execAttributes);
        assertDescribed(exec("t1", "t1"), execOperations, execAttributes);
        client.killAndDelete("t1");
    }

    /** Exactly these operations with these parameter names, and a description for everything. */
    private void assertDescribed(ObjectName mbean, Map<String, List<String>> operations, Set<String> attributes)
            throws Exception {
        MBeanInfo info = client.jmx().getMBeanInfo(mbean);
        assertDescription(info.getDescription(), mbean.toString(), info.getClassName());

        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (MBeanOperationInfo op : info.getOperations()) {
            assertDescription(op.getDescription(), op.getName(), op.getName());
            List<String> names = new ArrayList<>();
            for (MBeanParameterInfo p : op.getSignature()) {
                assertFalse(p.getName().matches("p\\d+"), op.getName() + " has a parameter named " + p.getName());
                assertDescription(p.getDescription(), op.getName() + "(" + p.getName() + ")", p.getName());
                names.add(p.getName());
            }
            parameters.put(op.getName(), names);
        }
        assertEquals(operations, parameters, mbean + " operations and their parameter names");

        Set<String> names = new TreeSet<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertDescription(a.getDescription(), a.getName(), a.getName());
            assertFalse(a.isWritable(), a.getName() + " is read-only");
            names.add(a.getName());
        }
        assertEquals(new TreeSet<>(attributes), names, mbean + " attributes");
    }

    /** A description a person wrote: not empty, and not just the name the MBean server would put there. */
    private static void assertDescription(String description, String what, String defaultText) {
        assertTrue(description != null && !description.isBlank(), what + " has no description");
        assertFalse(description.equals(defaultText) || description.equals("Operation exposed for management")
                || description.equals("Attribute exposed for management")
                || description.matches("Information on the management interface of the MBean"),
                what + " has only the default description '" + description + "'");
    }

    private void assertNotifies(ObjectName mbean) throws Exception {
        Set<String> types = new TreeSet<>();
        for (MBeanNotificationInfo n : client.jmx().getMBeanInfo(mbean).getNotifications()) {
            types.addAll(List.of(n.getNotifTypes()));
        }
        assertEquals(new TreeSet<>(Set.of("hatchway.task.create", "hatchway.task.start", "hatchway.task.exec-added",
                "hatchway.task.exec-started", "hatchway.task.exit", "hatchway.task.delete")), types);
    }
}
