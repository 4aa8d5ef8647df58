package io.hatchway.mbeans;

import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.WAIT_MILLIS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What JConsole does every few seconds: read every attribute of the Task, the init Exec and the
 * TaskService MBeans at once. It must answer, whole, while the init exec's start and then its kill
 * hang in a wedged runtime ({@link SlowRuntime}), showing the state before the stuck call.
 */
class AttributePollTest {
    private static final String TID = "t1";

    @TempDir
    Path tempDir;
    private SlowRuntime slow;
    private TaskFixture hatchway;

    @AfterEach
    void close() {
        if (slow != null) {
            slow.let();
        }
        if (hatchway != null) {
            hatchway.close();
        }
    }

    @Test
    @DisplayName("Every attribute of the Task, Exec and TaskService MBeans answers while the init exec's start or kill hangs")
    void pollAnswersWhileTheRuntimeHangs() throws Exception {
        hatchway = new TaskFixture(Backend.PROCESS, tempDir, TaskFixture.TIMEOUTS, real -> slow = new SlowRuntime(real));
        TaskMXBean task = hatchway.create(TID, Bundles.longRunning());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            slow.hold();
            Future<Integer> start = caller.submit(() -> task.start(""));
            slow.awaitHeldCall();
            Map<String, Object> duringStart = pollWhileHeld(start);
            assertEquals("created", duringStart.get("Task.Status"));
            assertEquals(0, duringStart.get("Task.Pid"));
            assertEquals("created", duringStart.get("Exec.State"));
            assertEquals(255L, duringStart.get("Exec.ExitStatus"));
            slow.let();
            int pid = start.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);

            slow.hold();
            Future<?> kill = caller.submit(() -> task.killExec("", SIGKILL, false));
            slow.awaitHeldCall();
            Map<String, Object> duringKill = pollWhileHeld(kill);
            assertEquals("running", duringKill.get("Task.Status"));
            assertEquals(pid, duringKill.get("Task.Pid"));
            assertEquals("running", duringKill.get("Exec.State"));
            assertEquals(pid, duringKill.get("Exec.Pid"));
            slow.let();
            kill.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            assertEquals(128 + SIGKILL, TaskFixture.awaitExit(task, "").getExitStatus());
        } finally {
            slow.let();
            caller.shutdownNow();
        }
    }

    /** Every attribute of the three MBeans, as {@code Task.Status}, ...; checks each answered and {@code call} is still held. */
    private Map<String, Object> pollWhileHeld(Future<?> call) throws JMException {
        Map<String, Object> values = new LinkedHashMap<>();
        values.putAll(readAll("Task", TaskService.taskName(TID)));
        values.putAll(readAll("Exec", TaskService.execName(TID, TID)));
        values.putAll(readAll("TaskService", TaskService.NAME));
        assertFalse(call.isDone(), "the attribute reads waited until the runtime call ended");
        return values;
    }

    /** {@code getAttributes} leaves out what fails: every attribute the MBean describes must be there. */
    private Map<String, Object> readAll(String prefix, ObjectName name) throws JMException {
        String[] names = Arrays.stream(hatchway.server.getMBeanInfo(name).getAttributes())
                .map(MBeanAttributeInfo::getName).toArray(String[]::new);
        List<Attribute> read = hatchway.server.getAttributes(name, names).asList();
        assertEquals(List.of(names), read.stream().map(Attribute::getName).toList(), "attributes answered by " + name);
        Map<String, Object> values = new LinkedHashMap<>();
        read.forEach(attribute -> values.put(prefix + "." + attribute.getName(), attribute.getValue()));
        return values;
    }
}
