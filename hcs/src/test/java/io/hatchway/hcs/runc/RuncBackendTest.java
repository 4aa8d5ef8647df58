package io.hatchway.hcs.runc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.testsupport.BusyboxBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runc backend against real runc, conmon and busybox containers. Needs root; skips otherwise. */
class RuncBackendTest extends RuncTest {
    private RuncBackend backend;

    @BeforeEach
    void open() {
        backend = runc.backend();
    }

    private ComputeSystem create(String id, String... args) throws Exception {
        Path bundle = runc.bundle(id, args);
        ComputeSystem system = backend.create(id, Bundle.load(bundle.toString()), TaskOptions.DEFAULT, stdio(id));
        systems.add(system);
        return system;
    }

    private Stdio stdio(String name) {
        return runc.stdio(name);
    }

    private String stdout(String name) throws Exception {
        return runc.stdout(name);
    }

    private static long exitCode(ComputeProcess process) throws Exception {
        return process.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static ProcessSpec process(String... args) {
        return ProcessSpec.parse(Json.write(Map.of("args", List.of(args))));
    }

    /** runc has no utility VM: {@code isolation: hypervisor} is the caller's mistake, and nothing is made. */
    @Test
    void hypervisorIsolationIsRefusedAsInvalidArgument() throws Exception {
        Path bundle = runc.bundle("rt-hyperv", "true");
        HatchwayException e = assertThrows(HatchwayException.class, () -> backend.create("rt-hyperv",
                Bundle.load(bundle.toString()), TaskOptions.parse("{\"isolation\":\"hypervisor\"}",
                        backend.optionKeys()), stdio("rt-hyperv")));
        assertEquals("InvalidArgument: isolation 'hypervisor': the runc backend offers only 'none' and 'sandbox'",
                e.getMessage());
        assertFalse(Files.exists(runc.stateDir.resolve("tasks/rt-hyperv")), "no task directory");
    }

    @Test
    void createStartAndExecRoundTrip() throws Exception {
        ComputeSystem system = create("rt-round", "sleep", "600");
        assertTrue(runc().state("rt-round").isCreated(), "create leaves the container created");
        ComputeProcess init = system.start(stdio("rt-round"));
        assertTrue(runc().state("rt-round").isRunning());
        assertEquals(runc().state("rt-round").pid(), init.pid());

        ComputeProcess exec = system.exec("e1", process("sh", "-c", "echo hi; echo oops >&2; exit 3"), stdio("e1"));
        assertEquals(3, exitCode(exec));
        assertEquals("hi\n", stdout("e1"));
        assertEquals("oops\n", Files.readString(dir.resolve("out/e1.err")));

        assertTrue(init.signal(9));
        assertEquals(128 + 9, exitCode(init));
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(init.signal(9), "an exited init process takes no signal");
    }

    @Test
    void initOutputAndExitCodeArePlainText() throws Exception {
        ComputeSystem system = create("rt-init", "sh", "-c", "echo hi; echo oops >&2; exit 3");
        ComputeProcess init = system.start(stdio("rt-init"));
        assertEquals(3, exitCode(init));
        assertEquals("hi\n", stdout("rt-init"));
        assertEquals("oops\n", Files.readString(dir.resolve("out/rt-init.err")));
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void signalsReachExecsAndReport128PlusN() throws Exception {
        ComputeSystem system = create("rt-signal", "sleep", "600");
        system.start(stdio("rt-signal"));
        ComputeProcess exec = system.exec("e1", process("sleep", "600"), stdio("e1"));
        assertTrue(exec.signal(10)); // SIGUSR1 kills busybox sleep
        assertEquals(128 + 10, exitCode(exec));
        assertFalse(exec.signal(15), "an exited exec takes no signal");
        assertThrows(HatchwayException.class, () -> system.checkSignal(0));
        assertThrows(HatchwayException.class, () -> system.checkSignal(32));
    }

    @Test
    void pidsListEveryProcessOfTheContainerWithTheExecInside() throws Exception {
        ComputeSystem system = create("rt-pids", "sleep", "600");
        ComputeProcess init = system.start(stdio("rt-pids"));
        ComputeProcess exec = system.exec("e1", process("sh", "-c", "sleep 600 & sleep 601 & wait"), stdio("e1"));
        List<Integer> pids = system.processes().stream().map(ProcessDetails::getProcessId).toList();
        assertTrue(pids.contains(init.pid()), pids + " holds the init pid " + init.pid());
        assertTrue(pids.contains(exec.pid()), pids + " holds the exec pid " + exec.pid());
        await().atMost(Duration.ofSeconds(10)).until(() -> system.processes().size() == 4);
        assertTrue(system.processes().stream().allMatch(p -> p.getExecId().isEmpty()));
        assertTrue(system.processes().stream().anyMatch(p -> p.getImageName().equals("busybox")));
    }

    @Test
    void statisticsComeFromTheCgroup() throws Exception {
        ComputeSystem system = create("rt-stats", "sleep", "600");
        system.start(stdio("rt-stats"));
        ComputeProcess busy = system.exec("e", process("sh", "-c",
                "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo done"), stdio("busy"));
        assertEquals(0, exitCode(busy));
        Statistics stats = system.statistics();
        assertTrue(stats.getCpuTotal100ns() > 0, "cpu " + stats.getCpuTotal100ns());
        assertTrue(stats.getMemoryUsageBytes() > 0, "memory " + stats.getMemoryUsageBytes());
        assertTrue(stats.getPidsCurrent() >= 1, "pids " + stats.getPidsCurrent());
        assertEquals(1, system.processes().size(), "the busy exec is gone");
        assertTrue(system.hostStatistics().isEmpty(), "not isolated: no host figures");
    }

    @Test
    void aContainerKilledFromOutsideReportsItsExit() throws Exception {
        ComputeSystem system = create("rt-outside", "sleep", "600");
        ComputeProcess init = system.start(stdio("rt-outside"));
        ComputeProcess exec = system.exec("e1", process("sleep", "600"), stdio("e1"));
        LibC.INSTANCE.kill(exec.pid(), 15);
        assertEquals(128 + 15, exitCode(exec));
        runc().kill("rt-outside", 9, false);
        assertEquals(128 + 9, exitCode(init));
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        HatchwayException stats = assertThrows(HatchwayException.class, system::statistics);
        assertEquals(ErrorKind.NotFound, stats.kind());
        assertTrue(stats.getMessage().startsWith("NotFound: failed to fetch stats: "), stats.getMessage());
        HatchwayException pids = assertThrows(HatchwayException.class, system::processes);
        assertTrue(pids.getMessage().startsWith("NotFound: failed to fetch pids: "), pids.getMessage());
    }

    @Test
    void shutdownBeforeStartRemovesTheCreatedContainer() throws Exception {
        ComputeSystem system = create("rt-unstarted", "sleep", "600");
        system.shutdown();
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        system.close();
        assertThrows(HatchwayException.class, () -> runc().state("rt-unstarted"));
    }

    @Test
    void execNeedsAStartedContainer() throws Exception {
        ComputeSystem system = create("rt-exec", "sleep", "600");
        HatchwayException early = assertThrows(HatchwayException.class, () -> system.exec("e", process("true"), stdio("e")));
        assertEquals(ErrorKind.FailedPrecondition, early.kind());
        system.start(stdio("rt-exec"));
        system.checkProcess(ProcessSpec.parse("{\"args\":[\"sh\"],\"terminal\":true}")); // conmon's terminal
        assertEquals("InvalidArgument: process.cwd: 'tmp' is not an absolute path", assertThrows(HatchwayException.class,
                () -> system.checkProcess(ProcessSpec.parse("{\"args\":[\"sh\"],\"cwd\":\"tmp\"}"))).getMessage());
        HatchwayException missing = assertThrows(HatchwayException.class,
                () -> system.exec("e2", process("/bin/nope"), stdio("e2")));
        assertEquals(ErrorKind.InvalidArgument, missing.kind(), missing.getMessage());
    }

    @Test
    void aTaskWithoutSandboxIsNotIsolated() throws Exception {
        ComputeSystem system = create("rt-plain", "sleep", "600");
        system.start(stdio("rt-plain"));
        assertFalse(system.isolated());
        HatchwayException exec = assertThrows(HatchwayException.class,
                () -> system.execInHost(process("true"), Duration.ofSeconds(5)));
        assertEquals("FailedPrecondition: task is not isolated", exec.getMessage());
        HatchwayException share = assertThrows(HatchwayException.class,
                () -> system.share(dir.toString(), "/mnt", true));
        assertEquals("FailedPrecondition: task is not isolated", share.getMessage());
        assertEquals("", system.dumpGuestStacks(Duration.ofSeconds(5)));
    }

    @Test
    void aBundleWithoutRootfsIsRefused() throws Exception {
        Path bundle = BusyboxBundle.create(dir.resolve("norootfs"), "true");
        io.hatchway.hcs.runc.TaskDir.delete(bundle.resolve("rootfs"));
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> backend.create("rt-norootfs", Bundle.load(bundle.toString()), TaskOptions.DEFAULT, stdio("rt-norootfs")));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertTrue(e.getMessage().contains("root file system"), e.getMessage());
        ids.add("rt-norootfs");
    }

    @Test
    void aBundleWithoutConfigIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("noconfig/rootfs"));
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> Bundle.load(dir.resolve("noconfig").toString()));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
    }

    @Test
    void aMissingBinaryFailsAndLeavesNothing() throws Exception {
        Path bundle = BusyboxBundle.create(dir.resolve("nobinary"), "/bin/nope");
        ids.add("rt-nobinary");
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> backend.create("rt-nobinary", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                        stdio("rt-nobinary")));
        // runc looks the binary up at create (crun at start): the create fails, with runc's words.
        assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("/bin/nope"), e.getMessage());
        assertFalse(Files.exists(stateDir.resolve("tasks/rt-nobinary")), "no state left");
    }

    @Test
    void anIdTheRuntimeAlreadyHasIsRefused() throws Exception {
        create("rt-twice", "sleep", "600");
        Path bundle = BusyboxBundle.create(dir.resolve("twice"), "sleep", "600");
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> backend.create("rt-twice", Bundle.load(bundle.toString()), TaskOptions.DEFAULT, stdio("rt-twice")));
        assertEquals(ErrorKind.AlreadyExists, e.kind());
    }

    @Test
    void backendsOnTwoStateDirsNeverShareATaskOfTheSameId() throws Exception {
        Path otherState = dir.resolve("other-state");
        RuncBackend other = RuncBackend.open(RuncBackend.Config.of("runc", otherState), new ComputeThreads());
        List<ComputeSystem> theirs = new ArrayList<>();
        ids.add("rt-same");
        try {
            Bundle bundle = Bundle.load(BusyboxBundle.create(dir.resolve("bundle-same"), "sleep", "600").toString());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.Future<ComputeSystem> a = pool.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                return backend.create("rt-same", bundle, TaskOptions.DEFAULT, stdio("same-a"));
            });
            java.util.concurrent.Future<ComputeSystem> b = pool.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                return other.create("rt-same", bundle, TaskOptions.DEFAULT, stdio("same-b"));
            });
            pool.shutdown();
            ComputeSystem mine = a.get(60, TimeUnit.SECONDS);
            systems.add(mine);
            ComputeSystem its = b.get(60, TimeUnit.SECONDS);
            theirs.add(its);
            int myInit = mine.start(stdio("same-a")).pid();
            ComputeProcess itsInit = its.start(stdio("same-b"));
            ComputeProcess myExec = mine.exec("same-a-exec", process("sleep", "601"), stdio("same-a-exec"));

            List<Integer> myPids = mine.processes().stream().map(ProcessDetails::getProcessId).toList();
            List<Integer> itsPids = its.processes().stream().map(ProcessDetails::getProcessId).toList();
            assertEquals(java.util.Set.of(myInit, myExec.pid()), java.util.Set.copyOf(myPids), "each sees its own");
            assertEquals(List.of(itsInit.pid()), itsPids, "each sees its own");
            assertEquals(2, mine.statistics().getPidsCurrent(), "figures of its own cgroup only");
            assertEquals(1, its.statistics().getPidsCurrent(), "figures of its own cgroup only");

            mine.terminate();
            mine.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
            mine.close();
            assertFalse(itsInit.exited().toCompletableFuture().isDone(), "the other agent's task still runs");
            assertEquals(0, LibC.INSTANCE.kill(itsInit.pid(), 0), "its init process lives");
            assertEquals(List.of(itsInit.pid()),
                    its.processes().stream().map(ProcessDetails::getProcessId).toList());
        } finally {
            RuncFixture.stopAll(theirs, otherState, ids, other);
        }
    }

    @Test
    void aProcessWhoseConmonIsKilledRunsOnUntilItIsGone() throws Exception {
        // A backend that checks every 50 ms beside inotify, so "still running" below is looked at often.
        Path quickState = dir.resolve("quick-state");
        RuncBackend quick = RuncBackend.open(new RuncBackend.Config("runc", quickState, Duration.ofSeconds(30),
                Duration.ofMillis(50), List.of(Path.of("/")), Map.of()), new ComputeThreads());
        List<ComputeSystem> mine = new ArrayList<>();
        ids.add("rt-monitorless");
        try {
            Path bundle = BusyboxBundle.create(dir.resolve("bundle-monitorless"), "sleep", "600");
            ComputeSystem system = quick.create("rt-monitorless", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                    stdio("rt-monitorless"));
            mine.add(system);
            ComputeProcess init = system.start(stdio("rt-monitorless"));
            ComputeProcess exec = system.exec("e1", process("sleep", "600"), stdio("e1"));
            Path task = quickState.resolve("tasks/rt-monitorless");
            for (Path conmonPid : List.of(task.resolve("init/conmon.pid"), task.resolve("execs/1/conmon.pid"))) {
                int conmon = Integer.parseInt(Files.readString(conmonPid).strip());
                LibC.INSTANCE.kill(conmon, 9);
                await().atMost(Duration.ofSeconds(10)).until(() -> io.hatchway.hcs.linux.ProcFs.stat(conmon)
                        .map(st -> st.state() == 'Z').orElse(true));
            }
            Thread.sleep(500); // ten fallback checks
            assertFalse(exec.exited().toCompletableFuture().isDone(), "the exec's process still runs");
            assertFalse(init.exited().toCompletableFuture().isDone(), "the init process still runs");
            assertFalse(system.exited().toCompletableFuture().isDone());
            assertEquals(0, LibC.INSTANCE.kill(exec.pid(), 0));

            // Once the process is gone its exit is reported; conmon, its parent, is not there to
            // read its status, so the status is the unknown one.
            assertTrue(exec.signal(9), "an exec without its conmon still takes signals");
            assertEquals(ComputeProcess.UNKNOWN_EXIT_CODE, exitCode(exec));
            assertTrue(init.signal(9));
            assertEquals(ComputeProcess.UNKNOWN_EXIT_CODE, exitCode(init));
            system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            RuncFixture.stopAll(mine, quickState, ids, quick);
        }
    }

    @Test
    void crunOnAHybridCgroupHostIsUnavailableWithItsReason() throws Exception {
        assumeTrue(OciRuntime.find("crun").isPresent(), "crun is not installed");
        assumeTrue(backend.cgroups().hybrid(), "this host's cgroups are not hybrid");
        HatchwayException open = assertThrows(HatchwayException.class,
                () -> RuncBackend.open(RuncBackend.Config.of("crun", dir.resolve("crun-state")), new ComputeThreads()));
        assertEquals(ErrorKind.Unavailable, open.kind());
        assertTrue(open.getMessage().contains("cgroups in hybrid mode not supported"), open.getMessage());

        // A task asking for crun on the runc backend gets crun's own refusal.
        Path bundle = BusyboxBundle.create(dir.resolve("crun"), "sleep", "600");
        ids.add("rt-crun");
        HatchwayException create = assertThrows(HatchwayException.class,
                () -> backend.create("rt-crun", Bundle.load(bundle.toString()), TaskOptions.parse("{\"runtime\":\"crun\"}", backend.optionKeys()),
                        stdio("rt-crun")));
        assertEquals(ErrorKind.Unavailable, create.kind());
        assertTrue(create.getMessage().contains("cgroups in hybrid mode not supported"), create.getMessage());
    }

    private OciRuntime runc() {
        return backend.runtime("runc");
    }
}
