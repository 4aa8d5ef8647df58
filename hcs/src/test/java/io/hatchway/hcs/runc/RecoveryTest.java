package io.hatchway.hcs.runc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.cli.RuntimeCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent that goes away and comes back: the first backend object is dropped (as if its JVM had
 * been killed) and a new one on the same state directory recovers what is left. Needs root.
 */
class RecoveryTest extends RuncTest {
    /** Waits for a file in the container's /tmp, then exits with the given status. */
    private static final String WAIT_THEN_EXIT = "while [ ! -e /tmp/%s ]; do sleep 0.05; done; exit %d";

    private RuncBackend first;
    private RuncBackend second;

    @BeforeEach
    void open() {
        first = runc.backend();
    }

    private Path bundle(String id, String script) throws Exception {
        return runc.bundle(id, "sh", "-c", script);
    }

    private Stdio stdio(String name) {
        return runc.stdio(name);
    }

    private static void release(Path bundle, String name) throws Exception {
        Files.writeString(bundle.resolve("rootfs/tmp/" + name), "");
    }

    /** The agent comes back: a new backend on the same state directory. */
    private List<RecoveredSystem> restart() {
        first.close();
        second = runc.backend();
        List<RecoveredSystem> recovered = second.recover();
        recovered.forEach(r -> systems.add(r.system()));
        return recovered;
    }

    private static long exitCode(ComputeProcess process) throws Exception {
        return process.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aContainerThatExitsWhileNobodyWatchesReportsItsRealStatus() throws Exception {
        Path bundle = bundle("rc-exit", WAIT_THEN_EXIT.formatted("go", 5));
        ComputeSystem before = first.create("rc-exit", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                stdio("rc-exit"));
        before.start(stdio("rc-exit"));
        first.close(); // the agent is gone; the container runs on under its conmon
        release(bundle, "go");
        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runtime/runc"), Duration.ofSeconds(30), new ComputeThreads().background());
        await().atMost(Duration.ofSeconds(30)).until(() -> runc.state("rc-exit").isStopped());

        List<RecoveredSystem> recovered = restart();
        assertEquals(1, recovered.size());
        RecoveredSystem task = recovered.get(0);
        assertEquals("rc-exit", task.id());
        assertEquals(bundle, task.bundle().dir());
        assertEquals(stdio("rc-exit"), task.init().stdio());
        assertEquals(5, exitCode(task.init().process().orElseThrow()), "the real exit status, from conmon");
        task.system().exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        task.system().close();
        assertEquals(List.of(), runc.list());
    }

    @Test
    void runningTasksAndTheirExecsAreFoundAgainWithTheirIds() throws Exception {
        Path bundle = bundle("rc-live", WAIT_THEN_EXIT.formatted("go", 5));
        ComputeSystem before = first.create("rc-live", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                stdio("rc-live"));
        ComputeProcess init = before.start(stdio("rc-live"));
        before.exec("e1", ProcessSpec.parse(json(WAIT_THEN_EXIT.formatted("go1", 6))), stdio("e1"));
        before.exec("e2", ProcessSpec.parse(json(WAIT_THEN_EXIT.formatted("go2", 7))), stdio("e2"));
        first.close();
        release(bundle, "go2"); // e2 exits while nobody watches
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(new io.hatchway.hcs.runc.conmon.MonitorDir(
                stateDir.resolve("tasks/rc-live/execs/2")).exitFile("rc-live")));

        List<RecoveredSystem> recovered = restart();
        assertEquals(1, recovered.size());
        RecoveredSystem task = recovered.get(0);
        assertEquals(init.pid(), task.init().process().orElseThrow().pid());
        Map<String, RecoveredSystem.Process> execs = new java.util.TreeMap<>();
        task.execs().forEach(e -> execs.put(e.execId(), e));
        assertEquals(List.of("e1", "e2"), List.copyOf(execs.keySet()));
        assertEquals(7, exitCode(execs.get("e2").process().orElseThrow()), "exited while nobody watched");
        assertFalse(execs.get("e1").process().orElseThrow().exited().toCompletableFuture().isDone());
        assertEquals(stdio("e1"), execs.get("e1").stdio());

        release(bundle, "go1");
        assertEquals(6, exitCode(execs.get("e1").process().orElseThrow()), "exited after the restart");
        assertTrue(task.system().processes().stream().anyMatch(p -> p.getProcessId() == init.pid()),
                "the init process is still there");
        release(bundle, "go");
        assertEquals(5, exitCode(task.init().process().orElseThrow()));
        task.system().exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void anExecThatExitedBeforeTheRestartIsFoundWithItsStatusUntilReleased() throws Exception {
        Path bundle = bundle("rc-exited", WAIT_THEN_EXIT.formatted("go", 5));
        ComputeSystem before = first.create("rc-exited", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                stdio("rc-exited"));
        before.start(stdio("rc-exited"));
        ComputeProcess kept = before.exec("e1", ProcessSpec.parse(json("exit 6")), stdio("e1"));
        ComputeProcess released = before.exec("e2", ProcessSpec.parse(json("exit 7")), stdio("e2"));
        assertEquals(6, exitCode(kept), "seen by the agent before it went away");
        assertEquals(7, exitCode(released));
        released.release(); // its exec was deleted: nothing of it is to be found again
        Path releasedDir = stateDir.resolve("tasks/rc-exited/execs/2");
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(releasedDir)
                && !Files.exists(io.hatchway.hcs.runc.conmon.MonitorDir.exitDirsOf(releasedDir)));
        assertTrue(Files.isDirectory(io.hatchway.hcs.runc.conmon.MonitorDir.exitDirsOf(
                stateDir.resolve("tasks/rc-exited/execs/1"))), "the kept exec's exit directory stays");

        List<RecoveredSystem> recovered = restart();
        assertEquals(1, recovered.size());
        RecoveredSystem task = recovered.get(0);
        assertEquals(List.of("e1"), task.execs().stream().map(RecoveredSystem.Process::execId).toList());
        assertEquals(6, exitCode(task.execs().get(0).process().orElseThrow()), "the real status, after the restart");
        assertEquals(stdio("e1"), task.execs().get(0).stdio());

        release(bundle, "go");
        assertEquals(5, exitCode(task.init().process().orElseThrow()));
        task.system().exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aCreatedTaskIsFoundCreatedAndCanStillStart() throws Exception {
        Path bundle = bundle("rc-created", "exit 3");
        first.create("rc-created", Bundle.load(bundle.toString()), TaskOptions.DEFAULT, stdio("rc-created"));
        RecoveredSystem task = restart().get(0);
        assertTrue(task.init().process().isEmpty(), "never started");
        ComputeProcess init = task.system().start(stdio("rc-created"));
        assertEquals(3, exitCode(init));
        task.system().exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void halfMadeTasksAndOrphanContainersAreRemoved() throws Exception {
        // A task directory without a record, as a create killed half-way leaves it.
        Files.createDirectories(stateDir.resolve("tasks/rc-half/init"));
        // A container under Hatchway's root that no task owns.
        Path bundle = bundle("rc-orphan", "sleep 600");
        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runtime/runc"), Duration.ofSeconds(30), new ComputeThreads().background());
        RuntimeCommands.create(runc, "rc-orphan", bundle, null);
        ids.add("rc-half");

        assertEquals(List.of(), restart());
        assertFalse(Files.exists(stateDir.resolve("tasks/rc-half")));
        assertEquals(List.of(), runc.list());
    }

    @Test
    void anExecLeftWithoutItsConmonIsFoundRunningAndCanStillBeKilled() throws Exception {
        // What an agent killed while an exec starts can leave: the exec's process runs, its conmon
        // is gone (it could not report to the dead JVM) and no monitor record was written.
        Path bundle = bundle("rc-orphan-exec", "sleep 600");
        ComputeSystem before = first.create("rc-orphan-exec", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                stdio("rc-orphan-exec"));
        before.start(stdio("rc-orphan-exec"));
        ComputeProcess exec = before.exec("e1", ProcessSpec.parse(json("sleep 601")), stdio("e1"));
        first.close();
        Path execDir = stateDir.resolve("tasks/rc-orphan-exec/execs/1");
        int conmon = Integer.parseInt(Files.readString(execDir.resolve("conmon.pid")).strip());
        Files.delete(execDir.resolve("monitor.json"));
        LibC.INSTANCE.kill(conmon, 9);
        await().atMost(Duration.ofSeconds(10)).until(() -> io.hatchway.hcs.linux.ProcFs.stat(conmon)
                .map(st -> st.state() == 'Z').orElse(true));

        List<RecoveredSystem> recovered = restart();
        RecoveredSystem task = recovered.get(0);
        assertEquals(List.of("e1"), task.execs().stream().map(RecoveredSystem.Process::execId).toList());
        ComputeProcess found = task.execs().get(0).process().orElseThrow();
        assertEquals(exec.pid(), found.pid());
        assertFalse(found.exited().toCompletableFuture().isDone(), "its process runs: it has not exited");
        assertTrue(found.signal(9), "and it can be killed");
        assertEquals(ComputeProcess.UNKNOWN_EXIT_CODE, exitCode(found), "its status went with its conmon");
    }

    @Test
    void aCreatedTaskWhoseConmonIsGoneIsRemovedAsHalfMade() throws Exception {
        // What an agent killed during createTask can leave: the container created, its conmon gone
        // (it could not report to the dead JVM). The create never answered; nothing of it stays.
        Path bundle = bundle("rc-no-monitor", "sleep 600");
        first.create("rc-no-monitor", Bundle.load(bundle.toString()), TaskOptions.DEFAULT, stdio("rc-no-monitor"));
        first.close();
        int conmon = Integer.parseInt(Files.readString(stateDir.resolve("tasks/rc-no-monitor/init/conmon.pid")).strip());
        LibC.INSTANCE.kill(conmon, 9);
        await().atMost(Duration.ofSeconds(10)).until(() -> io.hatchway.hcs.linux.ProcFs.stat(conmon)
                .map(st -> st.state() == 'Z').orElse(true));

        assertEquals(List.of(), restart());
        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runtime/runc"), Duration.ofSeconds(30), new ComputeThreads().background());
        assertEquals(List.of(), runc.list());
        assertFalse(Files.exists(stateDir.resolve("tasks/rc-no-monitor")), "no stale task directory");
    }

    private static String json(String script) {
        return io.hatchway.hcs.oci.Json.write(Map.of("args", List.of("sh", "-c", script)));
    }
}
