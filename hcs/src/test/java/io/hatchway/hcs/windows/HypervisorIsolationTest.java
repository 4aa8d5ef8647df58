package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.gcs.GuestAgentFixture;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hypervisor-isolated task ({@code lcow.LcowSystem}) end to end: the windows backend through the real JNA binding, the
 * computecore.dll stand-in's VirtualMachine (which runs hcsshim's real Linux GCS in gcs-jail and
 * hands Hatchway the bridge over a Unix socket in place of hvsock), and a real runc container the
 * GCS makes from a busybox bundle. Skips, saying why, without root, runc, cgroup v1, the GCS, the
 * jail or the stand-in.
 */
class HypervisorIsolationTest {
    /** What the stand-in puts in the environment of a VM's jail, and so of the GCS and everything it runs. */
    static final String GUEST_MARKER = "HATCHWAY_UVM_GUEST=1";
    private static final TaskOptions HYPERVISOR = new TaskOptions(TaskOptions.Isolation.HYPERVISOR, Map.of());

    @TempDir
    Path dir;
    private ComputeBackend backend;

    @BeforeEach
    void open() {
        assumeTrue(HcsLibrary.get().isPresent(), HcsLibrary::unavailableReason);
        String reason = GuestAgentFixture.unusableReason();
        assumeTrue(reason == null, () -> "the GCS cannot run here: " + reason);
        BusyboxBundle.assumeContainersWork();
        backend = Backends.open("windows", BackendContext.of(dir.resolve("state")));
    }

    @AfterEach
    void nothingLeft() {
        if (backend != null) {
            backend.close();
            Leftovers.awaitNoProcess("processes of the stand-in's utility VMs", Duration.ofSeconds(45),
                    () -> Leftovers.processesWithEnv(GUEST_MARKER));
            assertFalse(Files.exists(Path.of("/run/gcs")), "the GCS's state on the host");
            StandInFixture.assertNothingOpen();
        }
    }

    private ComputeSystem create(String id, String... args) throws Exception {
        Path bundle = BusyboxBundle.create(Files.createDirectories(dir.resolve(id)), args);
        return backend.create(id, Bundle.load(bundle.toString()), HYPERVISOR, Stdio.NULL);
    }

    private static ProcessSpec process(String... args) {
        return ProcessSpec.parse(Json.write(Map.of("args", List.of(args), "cwd", "/",
                "env", List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin"))));
    }

    private static long exit(ComputeProcess process) throws Exception {
        return process.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aLinuxContainerInItsUtilityVmAnsweredByTheRealGcs() throws Exception {
        // pid 1 of its namespace: only a trapped SIGTERM ends it
        ComputeSystem system = create("lcow1", "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 1; done");
        assertTrue(system.isolated());
        ComputeProcess init = system.start(Stdio.NULL);
        assertTrue(init.pid() > 0);

        ComputeProcess exec = system.exec("e1", process("sh", "-c", "exit 3"), Stdio.NULL);
        assertEquals(3, exit(exec), "an exec's exit code from WaitForProcess");

        List<Integer> pids = system.processes().stream().map(ProcessDetails::getProcessId).toList();
        assertTrue(pids.contains(init.pid()), "ProcessList holds the init: " + pids);
        Statistics stats = system.statistics();
        assertTrue(stats.getPidsCurrent() >= 1 && stats.getMemoryUsageBytes() > 0, "LCOWMetrics: " + stats);
        Statistics host = system.hostStatistics().orElseThrow();
        assertEquals(1024L * 1024 * 1024, host.getMemoryUsageBytes(), "the VM's assigned memory");

        assertTrue(system.dumpGuestStacks(Duration.ofSeconds(5)).contains("goroutine"), "the GCS's Go stacks");
        assertEquals(7, system.execInHost(process("sh", "-c", "exit 7"), Duration.ofSeconds(10)));
        HatchwayException slow = assertThrows(HatchwayException.class,
                () -> system.execInHost(process("sleep", "600"), Duration.ofMillis(500)));
        assertEquals(ErrorKind.DeadlineExceeded, slow.kind());

        HatchwayException share = assertThrows(HatchwayException.class,
                () -> system.share(dir.toString(), "/run/mounts/m1", true));
        assertTrue(share.getMessage().contains("vsock"), "the GCS refuses the Plan9 mount it cannot dial: "
                + share.getMessage());

        system.checkSignal(10); // SignalProcessSupported: every Linux signal
        assertTrue(init.signal(15), "SIGTERM to the init becomes the container's shutdown");
        assertEquals(42, exit(init), "the init's trap ran");
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        HatchwayException gone = assertThrows(HatchwayException.class, system::processes);
        assertEquals(ErrorKind.NotFound, gone.kind());
        system.close();
    }

    /** The VM's guest agent (its jail) dying is the VM's unexpected exit: the task stops, exits unknown. */
    @Test
    void theGuestAgentDyingStopsTheTask() throws Exception {
        ComputeSystem system = create("lcow3", "sleep", "600");
        ComputeProcess init = system.start(Stdio.NULL);
        List<Leftovers.LiveProcess> jails = Leftovers.processesWithEnv(GUEST_MARKER).stream()
                .filter(p -> p.commandLine().contains("gcs-jail")).toList();
        assertEquals(1, jails.size(), "one VM, one jail: " + jails);
        ProcessHandle.of(jails.get(0).pid()).orElseThrow().destroy();
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(ComputeProcess.UNKNOWN_EXIT_CODE, exit(init));
        assertEquals(ErrorKind.NotFound, assertThrows(HatchwayException.class, system::statistics).kind());
        system.close();
    }

    @Test
    void stdinIsRefusedAsNotImplementedBeforeAnythingRuns() throws Exception {
        ComputeSystem system = create("lcow2", "sleep", "600");
        ComputeProcess init = system.start(Stdio.NULL);
        Path in = Files.createFile(dir.resolve("in"));
        HatchwayException e = assertThrows(HatchwayException.class, () -> system.exec("e1", process("cat"),
                new Stdio(Optional.of(in), Stdio.DEV_NULL, Stdio.DEV_NULL)));
        assertEquals(ErrorKind.NotImplemented, e.kind(), e.getMessage());
        system.terminate();
        assertEquals(137, exit(init));
        system.close();
    }
}
