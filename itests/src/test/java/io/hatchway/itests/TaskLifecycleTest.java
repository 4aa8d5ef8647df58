package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SIGKILL;
import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.exec;
import static io.hatchway.testsupport.TaskClient.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.InstanceNotFoundException;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/** A task's life as a JMX user drives it: create, start, execs, kill, wait, delete, and the MBeans that follow. */
class TaskLifecycleTest extends HostJvmTest {
    private static final List<String> EXECS = List.of("e1", "e2", "e3");

    @Test
    void mbeansAppearAndDisappearWithTasksAndExecs() throws Exception {
        assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans());
        assertEquals("process", client.attribute(ChildJvm.TASK_SERVICE, "Backend"));

        client.createTask("t1", TaskClient.bundle(bundleDir("t1"), SLEEP));
        assertEquals(Set.of(TASK_SERVICE, "hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec"),
                client.hatchwayMBeans(), "a task brings its Task MBean and its init exec's, under the task id");
        assertArrayEquals(new String[] {"t1"}, (String[]) client.attribute(ChildJvm.TASK_SERVICE, "TaskIds"));
        assertEquals("created", client.attribute(task("t1"), "Status"));
        assertEquals(0, client.attribute(task("t1"), "Pid"));

        int initPid = client.start("t1", "");
        assertTrue(initPid > 0);
        assertEquals("running", client.attribute(task("t1"), "Status"));
        assertEquals(initPid, client.attribute(task("t1"), "Pid"));
        assertTrue(ProcessHandle.of(initPid).isPresent(), "the init process runs on the host");

        for (String execId : EXECS) {
            client.createExec("t1", execId, SLEEP);
        }
        assertEquals(Set.of("hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec",
                "hatchway:name=e1,task=t1,type=Exec", "hatchway:name=e2,task=t1,type=Exec",
                "hatchway:name=e3,task=t1,type=Exec"), client.mbeansOf("t1"));
        assertEquals(Set.copyOf(EXECS), Set.of((String[]) client.attribute(task("t1"), "ExecIds")));

        client.deleteExec("t1", "e3"); // created, never started
        assertFalse(client.jmx().isRegistered(exec("t1", "e3")), "a deleted exec's MBean is unregistered");
        assertEquals(Set.of("e1", "e2"), Set.of((String[]) client.attribute(task("t1"), "ExecIds")));

        client.killAndDelete("t1");
        assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans(), "a deleted task takes all its MBeans along");
        assertArrayEquals(new String[0], (String[]) client.attribute(ChildJvm.TASK_SERVICE, "TaskIds"));
        assertThrows(InstanceNotFoundException.class, () -> client.state("t1", ""));
    }

    @Test
    void newExecsAreCreatedNotStartedAndStartWithTheirOwnProcess() throws Exception {
        int initPid = client.startedTask("t1", bundleDir("t1"));
        CompositeData init = client.state("t1", "");
        assertEquals("t1", init.get("id"));
        assertEquals("t1", init.get("execId"), "the init exec reports the task id as its exec id");
        assertEquals(initPid, init.get("pid"));

        for (String execId : EXECS) {
            client.createExec("t1", execId, SLEEP);
            CompositeData state = client.state("t1", execId);
            assertEquals("created", state.get("status"));
            assertEquals(0, state.get("pid"));
            assertEquals(255L, state.get("exitStatus"));
            assertEquals("", state.get("exitedAt"));
        }
        Map<String, Integer> pidOf = new HashMap<>(Map.of("t1", initPid));
        for (String execId : EXECS) {
            int pid = client.start("t1", execId);
            pidOf.put(execId, pid);
            assertEquals("running", client.status("t1", execId));
            assertEquals(pid, client.attribute(exec("t1", execId), "Pid"), "the Exec MBean agrees with state()");
        }
        assertEquals(4, Set.copyOf(pidOf.values()).size(), "every exec has a process of its own");

        // pids(): the four shells (attributed to their exec) and each one's sleep (a child: "").
        CompositeData[] pids = allForked(8);
        Map<String, Integer> attributed = new HashMap<>();
        int children = 0;
        for (CompositeData p : pids) {
            String execId = (String) p.get("execId");
            if (execId.isEmpty()) {
                children++;
            } else {
                attributed.put(execId, (Integer) p.get("processId"));
            }
        }
        assertEquals(pidOf, attributed);
        assertEquals(4, children);
        assertEquals((long) pids.length, client.attribute(task("t1"), "ProcessCount"));

        client.killAndDelete("t1");
    }

    @Test
    void killAllReachesEveryExecAndTheInitExec() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        for (String execId : EXECS) {
            client.createExec("t1", execId, SLEEP);
            client.start("t1", execId);
        }
        List<ProcessHandle> processes = TaskClient.handles(allForked(8));

        client.killExec("t1", "", SIGKILL, true);

        for (String execId : EXECS) {
            assertEquals(128L + SIGKILL, client.waitExec("t1", execId).get("exitStatus"),
                    "exec " + execId + " got the SIGKILL");
        }
        assertEquals(128L + SIGKILL, client.waitExec("t1", "").get("exitStatus"));
        assertEquals("exited", client.attribute(task("t1"), "Status"));
        client.deleteExec("t1", "");
        await("every process pids() reported to end").atMost(ChildJvm.TIMEOUT)
                .until(() -> processes.stream().allMatch(Leftovers::ended));
    }

    @Test
    void deletingTheTaskForceExitsItsExecsEvenWhenTheInitExecStillRuns() throws Exception {
        int initPid = client.startedTask("t1", bundleDir("t1"));
        for (String execId : EXECS) {
            client.createExec("t1", execId, SLEEP);
        }
        client.createExec("t1", "running", SLEEP);
        client.start("t1", "running");

        String message = client.failure("FailedPrecondition", task("t1"), "deleteExec", "");
        assertEquals("FailedPrecondition: exec: '' in task: 't1' is in invalid state: 'running' for delete", message);

        for (String execId : EXECS) {
            CompositeData state = client.state("t1", execId);
            assertEquals("exited", state.get("status"), execId + " was force-exited");
            assertEquals(1L, state.get("exitStatus"));
            assertNotEquals("", state.get("exitedAt"));
        }
        assertEquals(128L + SIGKILL, client.waitExec("t1", "running").get("exitStatus"),
                "the running exec was killed and reports its real status");
        assertEquals("running", client.status("t1", ""), "the init exec is untouched");
        assertEquals(initPid, client.attribute(task("t1"), "Pid"));

        client.killExec("t1", "", SIGKILL, false);
        client.waitExec("t1", "");
        CompositeData deleted = client.deleteExec("t1", "");
        assertEquals(initPid, deleted.get("pid"));
        assertEquals(128L + SIGKILL, deleted.get("exitStatus"));
    }

    @Test
    void deletingACreatedExecExitsItWithStatusZero() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "e1", SLEEP);

        CompositeData deleted = client.deleteExec("t1", "e1");

        assertEquals(0, deleted.get("pid"));
        assertEquals(0L, deleted.get("exitStatus"));
        assertNotEquals("", deleted.get("exitedAt"));
        assertEquals(Set.of("hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec"), client.mbeansOf("t1"));
        client.killAndDelete("t1");
    }

    @Test
    void anExecDrivenThroughItsOwnMBeanReportsItsExitAndOutput() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        client.createExec("t1", "hello", "echo hello from the exec; exit 3");
        assertEquals("created", client.attribute(exec("t1", "hello"), "State"));
        assertEquals(255L, client.attribute(exec("t1", "hello"), "ExitStatus"));

        int pid = (Integer) client.invoke(exec("t1", "hello"), "start");
        CompositeData exit = (CompositeData) client.invoke(exec("t1", "hello"), "waitFor", TaskClient.WAIT_MILLIS);

        assertTrue(pid > 0);
        assertEquals(3L, exit.get("exitStatus"));
        assertEquals("exited", client.attribute(exec("t1", "hello"), "State"));
        assertEquals(3L, client.attribute(exec("t1", "hello"), "ExitStatus"));
        assertEquals(exit.get("exitedAt"), client.attribute(exec("t1", "hello"), "ExitedAt"));
        await("the exec's output").atMost(ChildJvm.TIMEOUT)
                .until(() -> client.attribute(exec("t1", "hello"), "Stdout").equals("hello from the exec\n"));
        assertEquals("hello", client.attribute(exec("t1", "hello"), "Id"));
        assertEquals("t1", client.attribute(exec("t1", "hello"), "TaskId"));
        client.killAndDelete("t1");
    }

    @Test
    void theInitExecEndingByItselfEndsTheTask() throws Exception {
        client.createTask("t1", TaskClient.bundle(bundleDir("t1"), "exit 7"));
        int pid = client.start("t1", "");

        CompositeData exit = client.waitExec("t1", "");

        assertEquals(7L, exit.get("exitStatus"));
        assertEquals("exited", client.attribute(task("t1"), "Status"));
        CompositeData deleted = client.deleteExec("t1", "");
        assertEquals(pid, deleted.get("pid"));
        assertEquals(7L, deleted.get("exitStatus"));
        assertEquals(exit.get("exitedAt"), deleted.get("exitedAt"));
        assertEquals(new TreeSet<>(), client.mbeansOf("t1"));
    }

    @Test
    void statsArePlausibleWhileRunningAndNotFoundOnceTheTaskStopped() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        allForked(2);

        CompositeData stats = (CompositeData) client.invoke(task("t1"), "stats");
        CompositeData container = (CompositeData) stats.get("container");
        assertEquals(2L, container.get("pidsCurrent"), "the shell and its sleep");
        assertTrue((Long) container.get("memoryUsageBytes") > 0);
        assertNull(stats.get("host"), "not isolated: no host figures");
        assertEquals(2L, client.attribute(task("t1"), "ProcessCount"));
        assertTrue((Long) client.attribute(task("t1"), "MemoryBytes") > 0);

        client.killExec("t1", "", SIGKILL, false);
        client.waitExec("t1", "");

        assertTrue(client.failure("NotFound", task("t1"), "stats").startsWith("NotFound: failed to fetch stats: "));
        assertTrue(client.failure("NotFound", task("t1"), "pids").startsWith("NotFound: failed to fetch pids: "));
        assertEquals(0L, client.attribute(task("t1"), "ProcessCount"), "a chart plots 0 once nothing runs");
        client.deleteExec("t1", "");
    }

    /** pids() once the shells have forked their sleeps: {@code count} processes. */
    private CompositeData[] allForked(int count) {
        // a bounded wait: a shell forks its sleep a moment after its start returns
        return await("the task's " + count + " processes").atMost(ChildJvm.TIMEOUT)
                .until(() -> client.pids("t1"), pids -> pids.length == count);
    }
}
