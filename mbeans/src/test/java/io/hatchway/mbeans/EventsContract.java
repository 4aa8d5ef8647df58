package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.SIGKILL;
import static io.hatchway.mbeans.TaskFixture.SIGTERM;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.eventually;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.mbeans.EventLog.Received;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * CONTRACT.md's events, received as JMX notifications through the MBeanServer: their order over a
 * task's life (create, start, exec-added, exec-started, exit of the exec, exit of init after
 * teardown, delete), their fields, and the init exit event that is sent even when init never ran.
 */
abstract class EventsContract extends BackendContract {
    private static final String TID = "events";
    private static final String EXEC = "exec";

    EventsContract(Backend backend) {
        super(backend);
    }

    private static Received event(String topic, Object... keyValues) {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new Received("hatchway.task." + topic, fields);
    }

    /** Waits until {@code count} events arrived; a listener may be called on another thread. */
    private static List<Received> awaitEvents(EventLog log, int count) {
        eventually(count + " events").until(() -> log.events().size() >= count);
        return log.events();
    }

    /**
     * A task's whole life: its exec exits by itself with 3, then the init exec is killed, the task
     * torn down and deleted.
     */
    private List<Received> expectedLife(TaskMXBean task, int initPid, int execPid) {
        ExecStatus exec = task.state(EXEC);
        ExecStatus init = task.state("");
        return List.of(
                event("create", "bundle", hatchway.bundleDir(TID).toString(), "pid", 0, "taskId", TID),
                event("start", "pid", initPid, "taskId", TID),
                event("exec-added", "execId", EXEC, "taskId", TID),
                event("exec-started", "execId", EXEC, "pid", execPid, "taskId", TID),
                event("exit", "exitStatus", 3L, "exitedAt", exec.getExitedAt(), "id", EXEC, "pid", execPid,
                        "taskId", TID),
                event("exit", "exitStatus", (long) 128 + SIGKILL, "exitedAt", init.getExitedAt(), "id", TID,
                        "pid", initPid, "taskId", TID));
    }

    private static List<Received> withDelete(List<Received> life, int initPid) {
        List<Received> all = new ArrayList<>(life);
        Received initExit = life.get(life.size() - 1);
        all.add(event("delete", "exitStatus", initExit.get("exitStatus"), "exitedAt", initExit.get("exitedAt"),
                "id", "", "pid", initPid, "taskId", TID));
        return all;
    }

    @Test
    @DisplayName("The task service sends a task's events in CONTRACT.md's order, with their fields")
    void lifeOfATaskFromTheService() {
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);

        TaskMXBean task = hatchway.create(TID, longRunning());
        int initPid = task.start("");
        addExecs(task, shell("exit 3"), EXEC);
        int execPid = task.start(EXEC);
        awaitExit(task, EXEC);
        task.killExec("", SIGKILL, false);
        awaitExit(task, "");
        List<Received> life = expectedLife(task, initPid, execPid);
        task.deleteExec("");

        assertEquals(withDelete(life, initPid), awaitEvents(log, 7));
    }

    @Test
    @DisplayName("Each MBean numbers its own notifications 1, 2, 3, ... in the order it sends them")
    void eachEmitterNumbersItsOwnNotificationsWithoutGaps() {
        EventLog service = EventLog.subscribe(hatchway.server, TaskService.NAME);
        TaskMXBean task = hatchway.create(TID, longRunning());
        EventLog ofTask = EventLog.subscribe(hatchway.server, TaskService.taskName(TID));
        task.start("");
        addExecs(task, shell("exit 3"), EXEC);
        task.start(EXEC);
        awaitExit(task, EXEC);
        task.killExec("", SIGKILL, false);
        awaitExit(task, "");

        List<Long> fromService = service.sequenceNumbers();
        assertEquals(LongStream.rangeClosed(1, fromService.size()).boxed().toList(), fromService,
                "the service's notifications, numbered from its start");
        List<Long> fromTask = ofTask.sequenceNumbers();
        assertTrue(fromTask.size() >= 4, "start, exec-added, exec-started, exit: " + fromTask);
        long first = fromTask.get(0);
        assertEquals(LongStream.range(first, first + fromTask.size()).boxed().toList(), fromTask,
                "the task's own notifications, no number skipped for the service's");
    }

    @Test
    @DisplayName("The Task MBean sends the same events from start to delete")
    void lifeOfATaskFromTheTaskMBean() {
        TaskMXBean task = hatchway.create(TID, longRunning());
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.taskName(TID));

        int initPid = task.start("");
        addExecs(task, shell("exit 3"), EXEC);
        int execPid = task.start(EXEC);
        awaitExit(task, EXEC);
        task.killExec("", SIGKILL, false);
        awaitExit(task, "");
        List<Received> life = expectedLife(task, initPid, execPid);
        task.deleteExec("");

        List<Received> fromStart = withDelete(life, initPid).subList(1, 7);
        assertEquals(fromStart, awaitEvents(log, 6));
    }

    @Test
    @DisplayName("The init exit event comes after teardown: a running exec's exit first, and no process of"
            + " the task is alive when it is sent")
    void initExitAfterTeardown() {
        backend.assumeHostSeesProcesses();
        Set<Long> aliveAtInitExit = ConcurrentHashMap.newKeySet();
        List<Long> pids = new CopyOnWriteArrayList<>();
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME, event -> {
            if (event.type().equals("hatchway.task.exit") && TID.equals(event.get("id"))) {
                pids.stream().filter(pid -> ProcessHandle.of(pid).isPresent()).forEach(aliveAtInitExit::add);
            }
        });
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, "exec-1", "exec-2", "exec-3");
        pids.add((long) task.getPid());
        for (String execId : task.getExecIds()) {
            pids.add((long) task.state(execId).getPid());
        }

        task.killExec("", hatchway.signalEndingInit(SIGTERM), false); // a container's init ignores SIGTERM
        awaitExit(task, "");

        List<String> exits = awaitEvents(log, 12).stream().filter(e -> e.type().equals("hatchway.task.exit"))
                .map(e -> (String) e.get("id")).toList();
        assertEquals(4, exits.size(), exits::toString);
        assertEquals(TID, exits.get(3), "the init exit event is the last exit: " + exits);
        assertEquals(Set.of(), aliveAtInitExit, "processes alive when the init exit event was sent");
    }

    @Test
    @DisplayName("A never started task still sends its init exit event (pid 0, status 0) before delete")
    void initExitWhenNeverStartedAndDeleted() {
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);
        TaskMXBean task = hatchway.create(TID, longRunning());

        DeleteResult deleted = task.deleteExec("");

        assertEquals(List.of(
                event("create", "bundle", hatchway.bundleDir(TID).toString(), "pid", 0, "taskId", TID),
                event("exit", "exitStatus", 0L, "exitedAt", deleted.getExitedAt(), "id", TID, "pid", 0,
                        "taskId", TID),
                event("delete", "exitStatus", 0L, "exitedAt", deleted.getExitedAt(), "id", "", "pid", 0,
                        "taskId", TID)), awaitEvents(log, 3));
    }

    @Test
    @DisplayName("A never started task that is killed sends its init exit event with status 1")
    void initExitWhenNeverStartedAndKilled() {
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);
        TaskMXBean task = hatchway.create(TID, longRunning());

        task.killExec("", SIGTERM, false);
        ExitStatus exit = awaitExit(task, "");

        assertEquals(1, exit.getExitStatus());
        assertEquals(event("exit", "exitStatus", 1L, "exitedAt", exit.getExitedAt(), "id", TID, "pid", 0,
                "taskId", TID), awaitEvents(log, 2).get(1));
    }

    @Test
    @DisplayName("An init exec whose start fails sends no start event, and its exit event (status 1) still")
    void initExitWhenStartFails() {
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);
        if (backend.createResolvesBinary()) {
            // runc resolves the binary when it creates the container: createTask is refused, and a
            // task that never existed sends no event at all.
            hatchway.assertRefused(ErrorKind.InvalidArgument, () -> hatchway.create(TID, "/nonexistent/binary"));
            assertEquals(List.of(), log.events());
            return;
        }
        TaskMXBean task = hatchway.create(TID, "/nonexistent/binary");

        assertKind(ErrorKind.InvalidArgument, () -> task.start(""));
        ExitStatus exit = awaitExit(task, "");

        assertEquals(List.of("hatchway.task.create", "hatchway.task.exit"), awaitEvents(log, 2).stream()
                .map(Received::type).toList());
        assertEquals(1L, log.events().get(1).get("exitStatus"));
        assertEquals(exit.getExitedAt(), log.events().get(1).get("exitedAt"));
    }

    @Test
    @DisplayName("An additional exec whose start fails sends neither exec-started nor exit")
    void noExecEventsWhenExecStartFails() {
        TaskMXBean task = hatchway.started(TID);
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);
        addExecs(task, new String[] {"/nonexistent/binary"}, EXEC);

        assertKind(ErrorKind.InvalidArgument, () -> task.start(EXEC));
        task.killExec("", hatchway.signalEndingInit(SIGTERM), false);
        awaitExit(task, "");

        assertEquals(List.of("hatchway.task.exec-added", "hatchway.task.exit"), awaitEvents(log, 2).stream()
                .map(Received::type).toList());
        assertEquals(List.of("hatchway.task.exec-added"), log.typesFor(EXEC));
    }

    @Test
    @DisplayName("An additional exec that never ran sends no exit event, whether killed or deleted")
    void noExitEventForAnExecThatNeverRan() {
        TaskMXBean task = hatchway.started(TID);
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.NAME);
        addExecs(task, longRunning(), "killed", "deleted");

        task.killExec("killed", SIGTERM, false);
        task.deleteExec("deleted");

        assertEquals(List.of("hatchway.task.exec-added"), log.typesFor("killed"));
        assertEquals(List.of("hatchway.task.exec-added", "hatchway.task.delete"), awaitEvents(log, 3).stream()
                .filter(e -> "deleted".equals(e.get("execId")) || "deleted".equals(e.get("id")))
                .map(Received::type).toList());
    }

    @Test
    @DisplayName("Deleting an additional exec sends a delete event with its id, pid, status and time")
    void deleteOfAnExec() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("exit 4"), EXEC);
        int pid = task.start(EXEC);
        ExitStatus exit = awaitExit(task, EXEC);
        EventLog log = EventLog.subscribe(hatchway.server, TaskService.taskName(TID));

        task.deleteExec(EXEC);

        assertEquals(List.of(event("delete", "exitStatus", 4L, "exitedAt", exit.getExitedAt(), "id", EXEC,
                "pid", pid, "taskId", TID)), awaitEvents(log, 1));
        assertFalse(hatchway.server.isRegistered(TaskService.execName(TID, EXEC)));
    }
}
