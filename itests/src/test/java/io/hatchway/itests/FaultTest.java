package io.hatchway.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.RuncFixture;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host JVM killed with SIGKILL at named points of createTask, start, exec, kill and delete, on
 * the runc and the process backend, and what a new agent on the same state directory then shows:
 * the README's recovery promises (task and exec states, real exit statuses), ids free again, and
 * nothing left (no process, no conmon, no container, no cgroup, no stale directory).
 *
 * <p>The points are reached without any hook in Hatchway: on runc, the agent finds a wrapper
 * {@code runc} first on its {@code PATH} that, for a subcommand armed by the test, touches
 * {@code reached-<subcommand>} and waits for {@code go} before it runs the real runc (or fails, when
 * armed with {@code fail}); on the process backend, the task's own processes say where they are.
 */
class FaultTest {
    private static final Duration WAIT = ChildJvm.TIMEOUT;
    private static final long SIGKILLED = 128 + 9;

    @TempDir
    Path dir;

    private final List<ChildJvm> hosts = new ArrayList<>();
    private Path control;
    private Path wrapperBin;

    @BeforeEach
    void controlDir() throws IOException {
        control = Files.createDirectories(dir.resolve("control"));
    }

    @AfterEach
    void leaveNothing() throws Exception {
        Files.writeString(control.resolve("go"), ""); // whatever the wrapper still holds goes on
        hosts.forEach(ChildJvm::close);
        TaskClient.assertNoProcessLeft();
    }

    // --- runc ---

    private Path stateDir() {
        return dir.resolve("state");
    }

    /** A host on the runc backend whose runc is the wrapper. */
    private ChildJvm runcHost() throws IOException {
        if (wrapperBin == null) {
            wrapperBin = wrapper();
        }
        ChildJvm host = ChildJvm.startHost("backend=runc,port=0,stateDir=" + stateDir(),
                Map.of("PATH", wrapperBin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        hosts.add(host);
        host.jolokiaUrl(); // its start line: recovery is over
        return host;
    }

    /** {@code bin/runc}: holds an armed subcommand at its start, then runs the real runc or fails. */
    private Path wrapper() throws IOException {
        Path real = OciRuntime.find("runc").orElseThrow();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path script = bin.resolve("runc");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "ctl='" + control + "'",
                "for a in \"$@\"; do case \"$a\" in create|start|exec|kill|delete) cmd=$a; break;; esac; done",
                "if [ -n \"$cmd\" ] && mv \"$ctl/arm-$cmd\" \"$ctl/held-$cmd\" 2>/dev/null; then",
                "  touch \"$ctl/reached-$cmd\"",
                "  i=0; while [ ! -e \"$ctl/go\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done",
                "  if [ \"$(cat \"$ctl/held-$cmd\")\" = fail ]; then echo \"runc $cmd failed (test)\" >&2; exit 1; fi",
                "fi",
                "exec '" + real + "' \"$@\"", ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /** The wrapper holds the next {@code runc <subcommand>}; it then goes on, or fails when {@code fail}. */
    private void arm(String subcommand, boolean fail) throws IOException {
        Files.deleteIfExists(control.resolve("go"));
        Files.writeString(control.resolve("arm-" + subcommand), fail ? "fail" : "go");
    }

    private void awaitReached(String subcommand) {
        await("runc " + subcommand + " held").atMost(WAIT).until(() -> Files.exists(control.resolve("reached-" + subcommand)));
    }

    private void go() throws IOException {
        Files.writeString(control.resolve("go"), "");
    }

    /** A busybox bundle whose init runs {@code script}, its processes marked as this run's. */
    /** How far {@link #runcTask} takes task {@code t1}. */
    private enum Stage { NONE, CREATED, STARTED }

    /** A runc host with its client, and task {@code t1} of a bundle running {@code sleep 600} taken to {@code stage}. */
    private record Runc(ChildJvm host, TaskClient client, Path bundle) {
    }

    private Runc runcTask(Stage stage) throws Exception {
        BusyboxBundle.assumeContainersWork();
        Path bundle = busybox("b1", "sleep 600");
        ChildJvm host = runcHost();
        TaskClient client = new TaskClient(host.jmx());
        if (stage != Stage.NONE) {
            client.createTask("t1", bundle);
        }
        if (stage == Stage.STARTED) {
            client.start("t1", "");
        }
        return new Runc(host, client, bundle);
    }

    private Path busybox(String name, String script) throws Exception {
        Path bundle = BusyboxBundle.create(dir.resolve(name), "sh", "-c", script);
        Path file = bundle.resolve("config.json");
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        config.withObjectProperty("process").withArrayProperty("env").add(TaskClient.MARKER);
        Files.writeString(file, Json.write(config));
        return bundle;
    }

    /** Runs {@code operation} on its own thread: it stays held in the runtime until the host is killed. */
    private static void inFlight(String what, ThrowingRunnable operation) {
        Thread thread = new Thread(() -> {
            try {
                operation.run();
            } catch (Exception e) { // the host is killed under it: no answer is expected
                System.out.println(what + " ended without an answer: " + e);
            }
        }, "fault-" + what);
        thread.setDaemon(true);
        thread.start();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Kills the host at the held point, lets the runtime go on (or fail), and starts a new host on the same state. */
    private TaskClient killAndRestart(ChildJvm host, String subcommand) throws Exception {
        awaitReached(subcommand);
        host.killHard();
        go();
        return new TaskClient(runcHost().jmx());
    }

    /** Nothing of the runc tasks is left: containers, cgroups, mounts, conmons, task directories. */
    private void assertRuncLeavesNothing(String... taskIds) throws Exception {
        Path runcState = stateDir().resolve("runc");
        await("conmons gone").atMost(Duration.ofSeconds(10)).until(() -> RuncFixture.conmons(runcState).isEmpty());
        RuncFixture.assertNone(runcState, List.of(taskIds));
        for (String id : taskIds) {
            assertFalse(Files.exists(runcState.resolve("tasks").resolve(id)), "no stale directory of " + id);
        }
    }

    @Test
    void runcKilledInCreateTaskFindsTheTaskCreatedAndStartable() throws Exception {
        Runc runc = runcTask(Stage.NONE);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        arm("create", false);
        inFlight("createTask", () -> before.createTask("t1", runc.bundle()));

        TaskClient after = killAndRestart(host, "create");
        assertEquals("created", after.status("t1", ""), "conmon finished the create without the agent");
        int pid = after.start("t1", "");
        assertTrue(pid > 0);
        assertEquals("running", after.status("t1", ""));
        after.killExec("t1", "", TaskClient.SIGKILL, true);
        assertEquals(SIGKILLED, after.waitExec("t1", "").get("exitStatus"), "its real status, from its conmon");
        after.deleteExec("t1", "");
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcKilledWhileAnExecStartsFindsItRunningKillableWithItsRealStatus() throws Exception {
        Runc runc = runcTask(Stage.STARTED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        before.createExec("t1", "e1", "exec sleep 601");
        arm("exec", false);
        inFlight("start e1", () -> before.start("t1", "e1"));

        TaskClient after = killAndRestart(host, "exec");
        assertExecRecoveredRunningAndKillable(after);
        after.killAndDelete("t1");
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcKilledWhileAnExecStartsAndRestartedBeforeTheRuntimeIsDoneStillFindsIt() throws Exception {
        Runc runc = runcTask(Stage.STARTED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        before.createExec("t1", "e1", "exec sleep 601");
        arm("exec", false);
        inFlight("start e1", () -> before.start("t1", "e1"));
        awaitReached("exec");
        host.killHard();

        inFlight("go", () -> {
            Thread.sleep(3_000); // the new host's recovery meets the exec's conmon still launching
            go();
        });
        ChildJvm next = runcHost();
        TaskClient after = new TaskClient(next.jmx());
        assertExecRecoveredRunningAndKillable(after);
        after.killAndDelete("t1");
        assertRuncLeavesNothing("t1");
    }

    private static void assertExecRecoveredRunningAndKillable(TaskClient after) throws Exception {
        assertEquals("running", after.status("t1", ""));
        assertEquals("running", after.status("t1", "e1"), "the exec's process runs under its conmon");
        int pid = (Integer) after.state("t1", "e1").get("pid");
        assertTrue(pid > 0 && ProcessHandle.of(pid).isPresent(), "its pid is the live process: " + pid);
        after.killExec("t1", "e1", TaskClient.SIGKILL, false);
        CompositeData exit = after.waitExec("t1", "e1");
        assertEquals(SIGKILLED, exit.get("exitStatus"), "its real status, not 4294967295");
        assertEquals(SIGKILLED, after.deleteExec("t1", "e1").get("exitStatus"));
    }

    @Test
    void runcKilledInStartFindsTheTaskRunning() throws Exception {
        Runc runc = runcTask(Stage.CREATED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        arm("start", false);
        inFlight("start", () -> before.start("t1", ""));

        TaskClient after = killAndRestart(host, "start");
        assertEquals("running", after.status("t1", ""), "the runtime's start went on without the agent");
        after.killExec("t1", "", TaskClient.SIGKILL, true);
        assertEquals(SIGKILLED, after.waitExec("t1", "").get("exitStatus"));
        after.deleteExec("t1", "");
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcKilledInKillFindsTheTaskExitedWithTheSignalsStatus() throws Exception {
        Runc runc = runcTask(Stage.STARTED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        arm("kill", false);
        inFlight("kill", () -> before.killExec("t1", "", TaskClient.SIGKILL, false));

        TaskClient after = killAndRestart(host, "kill");
        CompositeData exit = after.waitExec("t1", "");
        assertEquals(SIGKILLED, exit.get("exitStatus"), "conmon wrote the status while no agent ran");
        assertEquals(SIGKILLED, after.deleteExec("t1", "").get("exitStatus"));
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcKilledInDeleteFindsTheTaskGoneAndItsIdFree() throws Exception {
        Runc runc = runcTask(Stage.STARTED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        arm("delete", false);
        before.killExec("t1", "", TaskClient.SIGKILL, true); // the teardown's runc delete is then held
        inFlight("delete", () -> before.deleteExec("t1", ""));

        TaskClient after = killAndRestart(host, "delete");
        assertFalse(after.jmx().isRegistered(TaskClient.task("t1")), "the container went: so did the task");
        assertRuncLeavesNothing("t1");
        after.createTask("t1", runc.bundle());
        after.start("t1", "");
        after.killAndDelete("t1");
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcKilledInADeleteThatFailsFindsTheTaskExitedAndDeletesItThen() throws Exception {
        Runc runc = runcTask(Stage.STARTED);
        ChildJvm host = runc.host();
        TaskClient before = runc.client();
        arm("delete", true);
        before.killExec("t1", "", TaskClient.SIGKILL, true);
        inFlight("delete", () -> before.deleteExec("t1", ""));

        TaskClient after = killAndRestart(host, "delete");
        assertEquals("exited", after.status("t1", ""), "the container stayed, stopped");
        assertEquals(SIGKILLED, after.deleteExec("t1", "").get("exitStatus"));
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcAnExecWhoseConmonIsKilledRunsOnUntilItsProcessIsGone() throws Exception {
        TaskClient client = runcTask(Stage.STARTED).client();
        client.createExec("t1", "e1", "exec sleep 601");
        int pid = client.start("t1", "e1");
        long conmon = Long.parseLong(Files.readString(stateDir().resolve("runc/tasks/t1/execs/1/conmon.pid")).strip());
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        await("conmon gone").atMost(WAIT).until(() -> ProcessHandle.of(conmon).map(Leftovers::ended).orElse(true));

        Thread.sleep(2_500); // two fallback checks, beside inotify's events
        assertEquals("running", client.status("t1", "e1"), "its process still runs: no exit is reported");
        assertTrue(ProcessHandle.of(pid).map(p -> !Leftovers.ended(p)).orElse(false));
        client.killExec("t1", "e1", TaskClient.SIGKILL, false);
        assertEquals(4294967295L, client.waitExec("t1", "e1").get("exitStatus"),
                "reported once gone; its status went to its new parent, not to conmon");
        assertTrue(ProcessHandle.of(pid).map(Leftovers::ended).orElse(true));
        client.deleteExec("t1", "e1");
        client.killAndDelete("t1");
        assertRuncLeavesNothing("t1");
    }

    @Test
    void runcAnInitKilledFromOutsideReportsItsStatus() throws Exception {
        TaskClient client = runcTask(Stage.CREATED).client();
        assertInitKilledFromOutsideReportsItsStatus(client);
        assertRuncLeavesNothing("t1");
    }

    @Test
    void processAnInitKilledFromOutsideReportsItsStatus() throws Exception {
        TaskClient client = new TaskClient(processHost().jmx());
        client.createTask("t1", TaskClient.bundle(dir.resolve("b1"), TaskClient.SLEEP));
        assertInitKilledFromOutsideReportsItsStatus(client);
    }

    private static void assertInitKilledFromOutsideReportsItsStatus(TaskClient client) throws Exception {
        int pid = client.start("t1", "");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        assertEquals(SIGKILLED, client.waitExec("t1", "").get("exitStatus"));
        assertEquals(SIGKILLED, client.deleteExec("t1", "").get("exitStatus"));
        assertFalse(client.jmx().isRegistered(TaskClient.task("t1")));
    }

    // --- process backend ---

    private ChildJvm processHost() throws IOException {
        ChildJvm host = ChildJvm.startHost("backend=process,port=0,hostExitShutdownMillis=500,stateDir=" + stateDir());
        hosts.add(host);
        host.jolokiaUrl(); // its start line: the leftovers are ended
        return host;
    }

    /**
     * Kills the host once {@code reached} exists and starts a new one: it ends what the killed
     * host's task left before it serves, and the task's id is free again.
     */
    private void killAtAndRestartProcessHost(ChildJvm host, List<ProcessHandle> processes) throws Exception {
        await("the point").atMost(WAIT).until(() -> Files.exists(control.resolve("reached")));
        host.killHard();
        TaskClient after = new TaskClient(processHost().jmx());
        assertFalse(after.jmx().isRegistered(TaskClient.task("t1")), "the process backend finds no task again");
        assertTrue(processes.stream().allMatch(Leftovers::ended), "the leftover was ended: " + processes);
        assertTrue(Files.readString(stateDir().resolve("hatchway.log"))
                .contains("leftover of an earlier run: task 't1' ended"));
        TaskClient.assertNoProcessLeft();
        after.startedTask("t1", dir.resolve("b2"));
        after.killAndDelete("t1");
        assertFalse(Files.exists(stateDir().resolve("process/t1")), "no stale record");
    }

    @Test
    void processKilledInStartEndsTheTaskAtTheNextStart() throws Exception {
        ChildJvm host = processHost();
        TaskClient before = new TaskClient(host.jmx());
        before.createTask("t1", TaskClient.bundle(dir.resolve("b1"), "touch " + control + "/reached; exec sleep 600"));
        inFlight("start", () -> before.start("t1", ""));
        await("the init process").atMost(WAIT).until(() -> Files.exists(control.resolve("reached")));
        killAtAndRestartProcessHost(host, liveMarked());
    }

    @Test
    void processKilledWhileAnExecStartsEndsTheTaskAtTheNextStart() throws Exception {
        ChildJvm host = processHost();
        TaskClient before = new TaskClient(host.jmx());
        before.startedTask("t1", dir.resolve("b1"));
        before.createExec("t1", "e1", "touch " + control + "/reached; exec sleep 601");
        inFlight("start e1", () -> before.start("t1", "e1"));
        await("the exec's process").atMost(WAIT).until(() -> Files.exists(control.resolve("reached")));
        killAtAndRestartProcessHost(host, liveMarked());
    }

    @Test
    void processKilledInTheTeardownEndsWhatItHadNotEndedYet() throws Exception {
        ChildJvm host = processHost();
        TaskClient before = new TaskClient(host.jmx());
        // A child that outlives the SIGTERM of the teardown: the host dies while it waits for it.
        before.createTask("t1", TaskClient.bundle(dir.resolve("b1"),
                "sh -c 'trap \"touch " + control + "/reached\" TERM; while :; do sleep 0.1; done' & exec sleep 600"));
        before.start("t1", "");
        await("both processes").atMost(WAIT).until(() -> before.pids("t1").length >= 2);
        List<ProcessHandle> processes = TaskClient.handles(before.pids("t1"));
        before.killExec("t1", "", TaskClient.SIGKILL, false); // init dies; the rest gets SIGTERM
        killAtAndRestartProcessHost(host, processes);
    }

    /** This run's task processes that run now. */
    private static List<ProcessHandle> liveMarked() {
        return TaskClient.leftoverProcesses().stream()
                .map(live -> ProcessHandle.of(live.pid()).orElseThrow())
                .toList();
    }
}
