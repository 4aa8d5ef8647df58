package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.RuncBackend;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task state machine on real containers: the runc backend under TaskService. Needs root. */
class RuncTaskTest {
    @TempDir
    Path dir;

    private TaskService service;
    private Path stateDir;
    /** The threads of the tests' backends, closed after them. */
    private final ComputeThreads threads = new ComputeThreads();

    @BeforeEach
    void start() {
        assumeTrue(LibC.INSTANCE.getuid() == 0, "runc containers need root");
        assumeTrue(RuncBackend.unusableReason("runc").isEmpty(), () -> "runc backend unusable: "
                + RuncBackend.unusableReason("runc").orElse(""));
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "no static busybox at /bin/busybox");
        stateDir = dir.resolve("state");
        service = new TaskService(RuncBackend.open(RuncBackend.Config.of("runc", stateDir.resolve("runc")), threads), stateDir,
                MBeanServerFactory.newMBeanServer(), Timeouts.DEFAULT);
        service.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            for (String id : service.getTaskIds()) { // a failed test still removes its containers
                Task task = service.task(id);
                try {
                    task.killExec("", 9, true);
                } catch (RuntimeException e) { // exited already
                }
                task.waitExec("", 30_000);
                for (String execId : task.getExecIds()) {
                    task.deleteExec(execId);
                }
                task.deleteExec("");
            }
            service.close();
            OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                    stateDir.resolve("runc/runtime/runc"), Duration.ofSeconds(30), threads.background());
            List<String> left = runc.list().stream().map(c -> c.id()).toList();
            for (String id : left) { // removed before the temporary directory, and the runtime's state, go
                runc.delete(id, true);
            }
            assertEquals(List.of(), left, "no container outlives its task");
        }
        threads.close();
    }

    private Path bundle(String... args) throws Exception {
        Path bundle = dir.resolve("bundle-" + System.nanoTime());
        Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.createDirectories(bundle.resolve("rootfs/tmp"));
        Files.copy(Path.of("/bin/busybox"), bundle.resolve("rootfs/bin/busybox"));
        for (String applet : List.of("sh", "sleep", "echo", "cat")) {
            Files.createSymbolicLink(bundle.resolve("rootfs/bin/" + applet), Path.of("busybox"));
        }
        Process spec = new ProcessBuilder(OciRuntime.find("runc").orElseThrow().toString(), "spec", "--bundle",
                bundle.toString()).start();
        assertTrue(spec.waitFor(30, TimeUnit.SECONDS));
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(
                bundle.resolve("config.json").toFile());
        config.withObjectProperty("process").put("terminal", false).set("args", Json.MAPPER.valueToTree(List.of(args)));
        Files.writeString(bundle.resolve("config.json"), Json.write(config));
        return bundle;
    }

    @Test
    void aTaskLivesAndDiesAsAContainer() throws Exception {
        assertEquals("runc", service.getBackend());
        assertEquals(0, service.createTask("web", bundle("sh", "-c", "echo started; sleep 600").toString(), ""));
        Task task = service.task("web");
        assertEquals("created", task.getStatus());
        int pid = task.start("");
        assertTrue(pid > 0);

        task.createExec("e1", Json.write(Map.of("args", List.of("sh", "-c", "echo from exec; sleep 600"))));
        int execPid = task.start("e1");
        List<ProcessDetails> pids = task.pids();
        assertEquals("web", pids.stream().filter(p -> p.getProcessId() == pid).findFirst().orElseThrow().getExecId());
        assertEquals("e1", pids.stream().filter(p -> p.getProcessId() == execPid).findFirst().orElseThrow()
                .getExecId());

        TaskStatistics stats = task.stats();
        assertNotNull(stats.getContainer());
        assertTrue(stats.getContainer().getMemoryUsageBytes() > 0);
        assertTrue(stats.getContainer().getPidsCurrent() >= 2, "init and exec");
        assertNull(stats.getHost());

        // The output is written by the processes themselves, straight into the kept files.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> task.init().getStdout().equals("started\n")
                        && task.execs().get(0).getStdout().equals("from exec\n"));

        task.killExec("", 9, true);
        assertEquals(137, task.waitExec("e1", 30_000).getExitStatus());
        assertEquals(137, task.waitExec("", 30_000).getExitStatus());
        task.deleteExec("e1");
        task.deleteExec("");
        assertEquals(List.of(), service.getTaskIds());
    }

    @Test
    void anIsolatedTaskHasHostFiguresAndAHost() throws Exception {
        service.createTask("iso", bundle("sleep", "600").toString(), "{\"isolation\":\"sandbox\"}");
        Task task = service.task("iso");
        assertTrue(task.isIsolated());
        task.start("");
        TaskStatistics stats = task.stats();
        assertNotNull(stats.getHost(), "the sandbox's figures");
        assertTrue(stats.getHost().getPidsCurrent() >= 1);
        Path out = dir.resolve("host.out");
        assertEquals(0, task.execInHost(Json.write(Map.of("args", List.of("sh", "-c", "echo in the sandbox"),
                "stdout", out.toString())), 30_000));
        assertEquals("in the sandbox\n", Files.readString(out));
        assertTrue(task.dumpGuestStacks().contains("(sleep)"));
        task.killExec("", 9, false);
        assertEquals(137, task.waitExec("", 30_000).getExitStatus());
        task.deleteExec("");
    }

    @Test
    void aTaskSurvivesARestartOfTheAgentAndReportsItsRealExit() throws Exception {
        Path bundle = bundle("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 5");
        service.createTask("keep", bundle.toString(), "");
        Task before = service.task("keep");
        int pid = before.start("");
        before.createExec("e1", Json.write(Map.of("args", List.of("sleep", "600"))));
        int execPid = before.start("e1");
        before.createExec("never", Json.write(Map.of("args", List.of("true"))));

        service.close(); // the agent goes away: MBeans gone, containers running on under conmon
        Files.writeString(bundle.resolve("rootfs/tmp/go"), "");
        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runc/runtime/runc"), Duration.ofSeconds(30), threads.background());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> runc.state("keep").isStopped());

        service = new TaskService(RuncBackend.open(RuncBackend.Config.of("runc", stateDir.resolve("runc")), threads),
                stateDir, MBeanServerFactory.newMBeanServer(), Timeouts.DEFAULT);
        service.start();
        assertEquals(List.of("keep"), service.getTaskIds());
        Task after = service.task("keep");
        assertEquals(pid, after.getPid());
        assertEquals(5, after.waitExec("", 30_000).getExitStatus(), "the real exit status, from conmon");
        assertEquals(List.of("e1"), after.getExecIds(), "started execs are found again, created ones are not");
        assertEquals(execPid, after.state("e1").getPid());
        assertEquals(137, after.waitExec("e1", 30_000).getExitStatus(), "killed with its pid namespace");
        after.deleteExec("e1");
        after.deleteExec("");
        assertEquals(List.of(), service.getTaskIds());
    }

    @Test
    void aFailedRuntimeDeleteFailsTheTaskDeleteAndARetryFinishesIt() throws Exception {
        // The runtime is runc behind a script whose `delete` fails while the fault file exists.
        Path fault = dir.resolve("delete-fault");
        Path failing = dir.resolve("runc-failing-delete");
        Files.writeString(failing, "#!/bin/sh\n"
                + "for a in \"$@\"; do\n"
                + "  if [ \"$a\" = delete ] && [ -e " + fault + " ]; then\n"
                + "    echo '{\"level\":\"error\",\"msg\":\"injected: cannot delete\"}' >&2; exit 1\n"
                + "  fi\n"
                + "done\n"
                + "exec " + OciRuntime.find("runc").orElseThrow() + " \"$@\"\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
        service.close();
        service = new TaskService(RuncBackend.open(RuncBackend.Config.of("runc", stateDir.resolve("runc"))
                .withBinary("runc", failing), threads), stateDir, MBeanServerFactory.newMBeanServer(), Timeouts.DEFAULT);
        service.start();
        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runc/runtime/runc"), Duration.ofSeconds(30), threads.background());

        Path bundle = bundle("sleep", "600");
        service.createTask("stuck", bundle.toString(), "");
        Task task = service.task("stuck");
        task.start("");
        Files.writeString(fault, "");
        task.killExec("", 9, true);
        assertEquals(137, task.waitExec("", 30_000).getExitStatus());

        RuntimeException failed = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> task.deleteExec(""));
        assertTrue(failed.getMessage().startsWith("Unavailable: ") && failed.getMessage().contains("injected"),
                failed.getMessage());
        assertEquals(List.of("stuck"), service.getTaskIds(), "a delete that did not happen is not reported");
        assertEquals("exited", task.state("").getStatus());
        assertTrue(runc.state("stuck").isStopped(), "the container is still in the runtime's root");

        Files.delete(fault);
        assertEquals(137, task.deleteExec("").getExitStatus(), "a retry once the fault has cleared");
        assertEquals(List.of(), service.getTaskIds());
        assertEquals(List.of(), runc.list(), "the container is gone");
        service.createTask("stuck", bundle.toString(), "");
        assertEquals("created", service.task("stuck").getStatus(), "and its id is free again");
    }

    @Test
    void anExecThatExitedBeforeARestartIsFoundExitedWithItsRealStatus() throws Exception {
        Path bundle = bundle("sleep", "600");
        service.createTask("kept", bundle.toString(), "");
        Task before = service.task("kept");
        before.start("");
        before.createExec("done", Json.write(Map.of("args", List.of("sh", "-c", "echo bye; exit 6"))));
        int execPid = before.start("done");
        ExitStatus exit = before.waitExec("done", 30_000);
        assertEquals(6, exit.getExitStatus(), "seen by the agent before it went away");

        service.close(); // the agent goes away with the exec exited and not deleted
        service = new TaskService(RuncBackend.open(RuncBackend.Config.of("runc", stateDir.resolve("runc")), threads),
                stateDir, MBeanServerFactory.newMBeanServer(), Timeouts.DEFAULT);
        service.start();
        Task after = service.task("kept");
        assertEquals(List.of("done"), after.getExecIds());
        ExecStatus found = after.state("done");
        assertEquals("exited", found.getStatus(), "exited from the start, never shown running");
        assertEquals(6, found.getExitStatus(), "its real status, after the restart");
        assertEquals(execPid, found.getPid());
        assertEquals(6, after.waitExec("done", 30_000).getExitStatus());
        assertEquals("bye\n", service.task("kept").execs().get(0).getStdout());
        after.deleteExec("done");
        assertEquals(List.of(), after.getExecIds());
    }
}
