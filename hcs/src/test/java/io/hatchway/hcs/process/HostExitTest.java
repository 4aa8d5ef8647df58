package io.hatchway.hcs.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process backend at host exit ({@link ProcessBackend#hostExit}) and at the next start on the
 * same state directory ({@link ProcessBackend#recover}), against real host processes. What a killed
 * host leaves is played by session leaders this test starts itself ({@code setsid}) and records.
 */
class HostExitTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private final List<ComputeSystem> systems = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() throws Exception {
        for (ComputeSystem system : systems) {
            system.terminate();
            system.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
            system.close();
        }
        for (Process p : started) {
            for (int pid : ProcFs.sessionMembers(Map.of((int) p.pid(), 0L))) {
                LibC.killQuietly(pid, 9);
            }
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path state() {
        return dir.resolve("state");
    }

    private ComputeSystem create(ProcessBackend backend, String id, String script) throws Exception {
        ComputeSystem system = backend.create(id, bundle(script), TaskOptions.DEFAULT, stdio(id));
        systems.add(system);
        return system;
    }

    private Bundle bundle(String script) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle-" + Integer.toHexString(script.hashCode())));
        Files.writeString(bundle.resolve("config.json"), """
                {"ociVersion":"1.0.2","process":{"args":["/bin/sh","-c",%s],"env":["PATH=/usr/bin:/bin"],"cwd":"/"}}"""
                .formatted(Json.write(script)));
        return Bundle.load(bundle.toString());
    }

    private Stdio stdio(String name) {
        return new Stdio(Optional.empty(), dir.resolve(name + ".out"), dir.resolve(name + ".err"));
    }

    /** A process and its start time: what makes it itself even once its pid is free again. */
    private record Proc(int pid, long startTicks) {
        static Proc of(int pid) {
            return new Proc(pid, ProcFs.stat(pid).orElseThrow().startTicks());
        }

        /** Still this process, and not a zombie. */
        boolean alive() {
            return ProcFs.stat(pid).filter(s -> s.startTicks() == startTicks && s.state() != 'Z').isPresent();
        }
    }

    private static List<Proc> procs(ComputeSystem system, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(count,
                system.processes().size(), () -> system.processes().stream().map(p -> p.getProcessId() + " "
                        + p.getImageName()).toList().toString()));
        return system.processes().stream().map(ProcessDetails::getProcessId).map(Proc::of).toList();
    }

    /** A session leader started by this test, running {@code script}, with as many processes as it says, once they run. */
    private List<Proc> leftover(String script, int count) throws Exception {
        Process leader = new ProcessBuilder("setsid", "/bin/sh", "-c", script).start();
        started.add(leader);
        int pid = (int) leader.pid();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcFs.sessionMembers(Map.of(pid, 0L)).size() == count);
        List<Proc> out = new ArrayList<>(List.of(Proc.of(pid)));
        ProcFs.sessionMembers(Map.of(pid, 0L)).stream().filter(p -> p != pid).map(Proc::of).forEach(out::add);
        return out;
    }

    /** Writes what a dead host would have recorded of task {@code id}: its host, its one session. */
    private Path record(String id, String boot, Proc host, Proc leader) throws Exception {
        Path file = Files.createDirectories(state().resolve("process")).resolve(id);
        Files.writeString(file, "boot " + boot + "\nhost " + host.pid() + " " + host.startTicks() + "\nsession "
                + leader.pid() + " " + leader.startTicks() + "\n");
        return file;
    }

    /** A host JVM that is gone: the pid of a reaped process. */
    private static Proc deadHost() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return new Proc((int) p.pid(), 1);
    }

    @Test
    void atHostExitEveryProcessOfEveryTaskEndsAndItsRecordGoes() throws Exception {
        ProcessBackend backend = new ProcessBackend(BackendContext.of(state()));
        ComputeSystem t1 = create(backend, "t1", "sleep 600 & sleep 600; wait");
        t1.start(stdio("t1"));
        t1.exec("e1", ProcessSpec.parse("{\"args\":[\"sleep\",\"600\"]}"), stdio("e1"));
        ComputeSystem t2 = create(backend, "t2", "exec sleep 600");
        t2.start(stdio("t2"));
        List<Proc> procs = new ArrayList<>(procs(t1, 4));
        procs.addAll(procs(t2, 1));
        assertTrue(Files.exists(state().resolve("process/t1")) && Files.exists(state().resolve("process/t2")));

        long begin = System.nanoTime();
        backend.hostExit();
        long millis = (System.nanoTime() - begin) / 1_000_000;

        assertTrue(procs.stream().noneMatch(Proc::alive), "every process of both tasks ended: " + procs);
        assertTrue(millis < BackendContext.DEFAULT_HOST_EXIT_SHUTDOWN.toMillis(),
                "sleep ends at SIGTERM: no SIGKILL wait (" + millis + " ms)");
        assertFalse(Files.exists(state().resolve("process/t1")), "nothing left to find at the next start");
        assertFalse(Files.exists(state().resolve("process/t2")));
        t1.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
        t2.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void whatIgnoresSigtermGetsSigkillAfterTheShutdownWait() throws Exception {
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT));
        // An ignored signal stays ignored across fork and exec: both sleeps ignore SIGTERM.
        ComputeSystem t1 = create(backend, "t1", "trap '' TERM; sleep 600 & sleep 600; wait");
        t1.start(stdio("t1"));
        List<Proc> procs = procs(t1, 3);

        long begin = System.nanoTime();
        backend.hostExit();
        long millis = (System.nanoTime() - begin) / 1_000_000;

        assertTrue(procs.stream().noneMatch(Proc::alive), "SIGKILL ended them: " + procs);
        assertTrue(millis >= SHORT.toMillis(), "SIGKILL only after the shutdown wait: " + millis + " ms");
        assertTrue(millis < 10 * (SHORT.toMillis() + ProcessBackend.KILL_WAIT.toMillis()), "bounded: " + millis + " ms");
        assertFalse(Files.exists(state().resolve("process/t1")));
    }

    @Test
    void withNoTaskHostExitDoesNothing() {
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT));
        backend.hostExit();
        assertFalse(Files.exists(state()), "nothing written");
        assertEquals(List.of(), backend.recover());
    }

    @Test
    void deletingATaskRemovesItsRecord() throws Exception {
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT));
        ComputeSystem t1 = create(backend, "t1", "sleep 600");
        t1.start(stdio("t1"));
        assertTrue(Files.exists(state().resolve("process/t1")));
        t1.terminate();
        t1.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
        t1.close();
        assertFalse(Files.exists(state().resolve("process/t1")));
        backend.hostExit(); // a deleted task is no longer the backend's to end
    }

    @Test
    void theNextStartEndsWhatADeadHostLeftAndTheIdIsFreeAfterwards() throws Exception {
        List<Proc> procs = leftover("sleep 600 & exec sleep 600", 2);
        Path file = record("t1", ProcFs.bootId(), deadHost(), procs.get(0));
        ProcessBackend backend = new ProcessBackend(BackendContext.of(state()));

        assertEquals(List.of(), backend.recover(), "host processes are ended, not recovered");

        assertTrue(procs.stream().noneMatch(Proc::alive), "the leader and its child ended: " + procs);
        assertFalse(Files.exists(file));
        ComputeSystem t1 = create(backend, "t1", "sleep 600");
        t1.start(stdio("t1"));
        t1.terminate();
        t1.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
        t1.close();
    }

    @Test
    void aCreateOfTheIdEndsALeftoverWhoseHostIsGone() throws Exception {
        List<Proc> procs = leftover("sleep 600 & exec sleep 600", 2);
        Path file = record("t1", ProcFs.bootId(), deadHost(), procs.get(0));
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT)); // no recover(): the host stopped Hatchway, say

        create(backend, "t1", "exec sleep 600").start(stdio("t1"));

        assertTrue(procs.stream().noneMatch(Proc::alive), "the leftover ended before its id was reused: " + procs);
        assertEquals(1, SessionRecord.read(file).orElseThrow().sessions().size(), "the record is the new task's");
    }

    @Test
    void aRecordedLeaderPidNowRunningAnotherProcessIsNeverSignalled() throws Exception {
        List<Proc> stranger = leftover("exec sleep 600", 1);
        Proc leader = stranger.get(0);
        // The recorded leader had this pid but started earlier: the pid was reused since.
        Path file = record("t1", ProcFs.bootId(), deadHost(), new Proc(leader.pid(), leader.startTicks() - 1));
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT));

        backend.recover();

        assertTrue(leader.alive(), "the process that now has the recorded pid was not signalled");
        assertFalse(Files.exists(file), "nothing of the recorded task is left: its record goes");
        backend.create("t1", bundle("true"), TaskOptions.DEFAULT, stdio("t1")).close(); // and its id is free
    }

    @Test
    void aRecordOfAnotherBootSignalsNothing() throws Exception {
        Proc leader = leftover("exec sleep 600", 1).get(0);
        Path file = record("t1", "another-boot", deadHost(), leader);
        new ProcessBackend(new BackendContext(state(), SHORT)).recover();
        assertTrue(leader.alive());
        assertFalse(Files.exists(file));
    }

    @Test
    void aTaskWhoseHostStillRunsIsLeftAloneAndItsIdRefused() throws Exception {
        Proc leader = leftover("exec sleep 600", 1).get(0);
        Proc host = leftover("exec sleep 600", 1).get(0); // plays a host JVM that stopped Hatchway and runs on
        Path file = record("t1", ProcFs.bootId(), host, leader);
        ProcessBackend backend = new ProcessBackend(new BackendContext(state(), SHORT));

        backend.recover();
        assertTrue(leader.alive(), "another live host's task is not this start's to end");
        assertTrue(Files.exists(file));

        Bundle bundle = bundle("true");
        HatchwayException e = assertThrows(HatchwayException.class, () -> backend.create("t1", bundle, TaskOptions.DEFAULT, stdio("t1")));
        assertEquals(ErrorKind.AlreadyExists, e.kind());
        assertEquals("AlreadyExists: task with id: 't1' already exists on this host: processes [" + leader.pid()
                + "] of an earlier run (recorded in " + file + ") are still alive", e.getMessage());

        LibC.killQuietly(leader.pid(), 9);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !leader.alive());
        backend.create("t1", bundle, TaskOptions.DEFAULT, stdio("t1")).close();
        assertFalse(Files.exists(file), "a record nothing is left of is cleared by the next create of its id");
        assertEquals(Set.of(), ProcFs.sessionMembers(Map.of(leader.pid(), leader.startTicks())));
    }
}
