package io.hatchway.hcs.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.testsupport.Leftovers;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process backend against real host processes. */
class ProcessBackendTest {
    @TempDir
    Path dir;

    private ProcessBackend backend;
    private ComputeSystem system;

    @BeforeEach
    void openBackend() {
        backend = new ProcessBackend(BackendContext.of(dir.resolve("state")));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (system != null) {
            system.terminate();
            system.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
            system.close();
        }
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
                "no process outlives its test");
    }

    private ComputeSystem create(String script) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"ociVersion":"1.0.2","process":{"args":["/bin/sh","-c",%s],
                 "env":["PATH=/usr/bin:/bin","GREETING=hello"],"cwd":"%s"}}"""
                .formatted(io.hatchway.hcs.oci.Json.write(script), dir));
        system = backend.create("t1", Bundle.load(dir.toString()), TaskOptions.DEFAULT, stdio("t1"));
        return system;
    }

    private Stdio stdio(String name) {
        return new Stdio(Optional.empty(), dir.resolve(name + ".out"), dir.resolve(name + ".err"));
    }

    private static long exitCode(ComputeProcess p) throws Exception {
        return p.exited().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void runsTheBundleProcessWithItsEnvironmentAndDirectory() throws Exception {
        ComputeProcess init = create("echo $GREETING from $(pwd); echo oops >&2; exit 3").start(stdio("init"));
        assertEquals(3, exitCode(init));
        assertEquals("hello from " + dir + "\n", Files.readString(dir.resolve("init.out")));
        assertEquals("oops\n", Files.readString(dir.resolve("init.err")));
        system.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void deliversAnySignalAndReports128PlusN() throws Exception {
        ComputeProcess init = create("sleep 600").start(stdio("init"));
        ComputeProcess exec = system.exec("e1", ProcessSpec.parse("{\"args\":[\"sleep\",\"600\"]}"), stdio("e1"));
        assertTrue(exec.signal(10)); // SIGUSR1: not one of the two signals java.lang.Process can send
        assertEquals(128 + 10, exitCode(exec));
        assertFalse(exec.signal(15), "an exited process takes no signal");
        assertTrue(init.signal(15));
        assertEquals(128 + 15, exitCode(init));
    }

    @Test
    void listsEveryProcessOfTheTreeAndSumsThem() throws Exception {
        ComputeProcess init = create("sleep 600 & sleep 600 & wait").start(stdio("init"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> system.processes().size() == 3);
        List<ProcessDetails> pids = system.processes();
        assertEquals(init.pid(), pids.get(0).getProcessId());
        assertTrue(pids.stream().allMatch(p -> p.getExecId().isEmpty()), "attribution is the task's job");
        assertTrue(pids.stream().anyMatch(p -> p.getImageName().equals("sleep")));
        assertTrue(pids.stream().allMatch(p -> p.getMemoryWorkingSetPrivateBytes() + p.getMemoryWorkingSetSharedBytes() > 0));
        Statistics stats = system.statistics();
        assertEquals(3, stats.getPidsCurrent());
        assertTrue(stats.getMemoryUsageBytes() > 0);
    }

    @Test
    void aStoppedSystemHasNoPidsOrStatsToGive() throws Exception {
        ComputeProcess init = create("exit 0").start(stdio("init"));
        exitCode(init);
        system.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
        HatchwayException pids = assertThrows(HatchwayException.class, system::processes);
        assertEquals(ErrorKind.NotFound, pids.kind());
        assertTrue(pids.getMessage().startsWith("NotFound: failed to fetch pids"));
        HatchwayException stats = assertThrows(HatchwayException.class, system::statistics);
        assertTrue(stats.getMessage().startsWith("NotFound: failed to fetch stats"));
    }

    @Test
    void shutdownStopsEveryTreeAndNeverStartedSystemsStopAtOnce() throws Exception {
        create("sleep 600").start(stdio("init"));
        system.exec("e1", ProcessSpec.parse("{\"args\":[\"sh\",\"-c\",\"sleep 600 & wait\"]}"), stdio("e1"));
        system.shutdown();
        system.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);

        ComputeSystem unstarted = backend.create("t2", Bundle.load(dir.toString()), TaskOptions.DEFAULT, stdio("t2"));
        unstarted.shutdown();
        assertTrue(unstarted.exited().toCompletableFuture().isDone());
        HatchwayException e = assertThrows(HatchwayException.class, () -> unstarted.start(stdio("late")));
        assertEquals(ErrorKind.FailedPrecondition, e.kind());
    }

    @Test
    void aBundleNamingAMissingBinaryFailsToStartAndLeavesNothingRunning() throws Exception {
        Files.writeString(dir.resolve("config.json"),
                "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/no/such/binary\"]}}");
        system = backend.create("t1", Bundle.load(dir.toString()), TaskOptions.DEFAULT, stdio("t1"));
        HatchwayException e = assertThrows(HatchwayException.class, () -> system.start(stdio("init")));
        assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("/no/such/binary"), e.getMessage());
        system.terminate();
        assertTrue(system.exited().toCompletableFuture().isDone(), "nothing was left to stop");
    }

    @Test
    void refusesWhatTheProcessBackendCannotHonour() throws Exception {
        create("sleep 600").start(stdio("init"));
        int other = LibC.INSTANCE.getuid() + 1;
        for (String json : new String[] {"{\"args\":[\"true\"],\"user\":{\"uid\":" + other + "}}",
                "{\"args\":[\"true\"],\"user\":{\"uid\":0,\"gid\":" + (LibC.INSTANCE.getgid() + 1) + "}}",
                "{\"args\":[\"true\"],\"cwd\":\"relative\"}", "{\"commandLine\":\"cmd /c dir\"}"}) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> system.checkProcess(ProcessSpec.parse(json)));
            assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
        }
        system.checkProcess(ProcessSpec.parse("{\"args\":[\"true\"],\"terminal\":true}")); // a terminal is fine
        HatchwayException missing = assertThrows(HatchwayException.class,
                () -> system.exec("e1", ProcessSpec.parse("{\"args\":[\"/no/such/binary\"]}"), stdio("e1")));
        assertEquals(ErrorKind.InvalidArgument, missing.kind());
        assertTrue(missing.getMessage().contains("/no/such/binary"), missing.getMessage());
        Path notExecutable = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
        HatchwayException denied = assertThrows(HatchwayException.class,
                () -> system.exec("e2", ProcessSpec.parse("{\"args\":[\"" + notExecutable + "\"]}"), stdio("e2")));
        assertEquals(ErrorKind.InvalidArgument, denied.kind());
    }

    // streams

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

    @Test
    void closeStdinEndsTheInputOfAProcessWhoseStdinWriterStaysOpen() throws Exception {
        create("sleep 600").start(stdio("init"));
        Path in = fifo("in");
        long fdsBefore = Leftovers.openDescriptors();
        CompletableFuture<ComputeProcess> started = CompletableFuture.supplyAsync(() -> system.exec("e1",
                ProcessSpec.parse("{\"args\":[\"cat\"]}"), new Stdio(Optional.of(in), dir.resolve("e1.out"),
                        dir.resolve("e1.err"))));
        try (OutputStream writer = Files.newOutputStream(in)) { // held open to the end
            ComputeProcess cat = started.get(10, TimeUnit.SECONDS);
            writer.write("line\n".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            awaitUntil(() -> Files.readString(dir.resolve("e1.out")).equals("line\n"));
            assertFalse(cat.exited().toCompletableFuture().isDone(), "cat reads on while its writer is there");
            cat.closeStdin();
            cat.closeStdin();
            assertEquals(0, exitCode(cat));
        }
        awaitUntil(() -> Leftovers.openDescriptors() <= fdsBefore && Leftovers.workingThreadsNamed("hatchway-relay-")
                .isEmpty());
    }

    @Test
    void aTerminalProcessSeesATtyOfItsSizeAndItsResizes() throws Exception {
        create("sleep 600").start(stdio("init"));
        long fdsBefore = Leftovers.openDescriptors();
        ProcessSpec spec = ProcessSpec.parse("""
                {"args":["sh","-c","[ -t 0 ] && echo tty; stty size; trap 'stty size; exit 5' WINCH; echo ready;                 while :; do sleep 0.05; done"],"terminal":true,"consoleSize":{"width":100,"height":30},                 "env":["PATH=/usr/bin:/bin"]}""");
        ComputeProcess tty = system.exec("e1", spec, stdio("e1"));
        Path out = dir.resolve("e1.out");
        awaitUntil(() -> Files.readString(out).contains("ready"));
        assertEquals("tty\r\n30 100\r\nready\r\n", Files.readString(out), "a terminal's line ends");
        tty.resizeConsole(120, 40);
        assertEquals(5, exitCode(tty));
        assertEquals("tty\r\n30 100\r\nready\r\n40 120\r\n", Files.readString(out));
        assertEquals("", Files.readString(dir.resolve("e1.err")));
        tty.resizeConsole(80, 24); // exited: nothing to resize, no failure
        awaitUntil(() -> Leftovers.openDescriptors() <= fdsBefore && Leftovers.workingThreadsNamed("hatchway-relay-")
                .isEmpty());
    }

    @Test
    void aTerminalsInputComesFromStdinAndCloseStdinTypesEndOfFile() throws Exception {
        create("sleep 600").start(stdio("init"));
        Path in = Files.writeString(dir.resolve("in"), "typed\n");
        ComputeProcess tty = system.exec("e1", ProcessSpec.parse("{\"args\":[\"cat\"],\"terminal\":true}"),
                new Stdio(Optional.of(in), dir.resolve("e1.out"), dir.resolve("e1.err")));
        Path out = dir.resolve("e1.out");
        awaitUntil(() -> Files.readString(out).equals("typed\r\ntyped\r\n")); // the echo, then cat's copy
        assertFalse(tty.exited().toCompletableFuture().isDone(), "a terminal's input does not end with the file");
        tty.closeStdin();
        assertEquals(0, exitCode(tty));
    }

    @Test
    void aProcessWithoutTerminalCannotBeResized() throws Exception {
        create("sleep 600").start(stdio("init"));
        ComputeProcess plain = system.exec("e1", ProcessSpec.parse("{\"args\":[\"sleep\",\"600\"]}"), stdio("e1"));
        HatchwayException e = assertThrows(HatchwayException.class, () -> plain.resizeConsole(80, 24));
        assertEquals(ErrorKind.FailedPrecondition, e.kind());
        plain.kill();
        exitCode(plain);
    }

    private static void awaitUntil(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s");
            Thread.sleep(20);
        }
    }

    @Test
    void refusesIsolationAndRuntimes() throws Exception {
        create("true");
        Bundle bundle = Bundle.load(dir.toString());
        for (TaskOptions.Isolation isolation : List.of(TaskOptions.Isolation.SANDBOX, TaskOptions.Isolation.HYPERVISOR)) {
            HatchwayException refused = assertThrows(HatchwayException.class,
                    () -> backend.create("t3", bundle, new TaskOptions(isolation, Map.of()), stdio("t3")));
            assertEquals(ErrorKind.InvalidArgument, refused.kind(), refused.getMessage());
        }
        assertEquals(ErrorKind.NotImplemented, assertThrows(HatchwayException.class,
                () -> backend.create("t3", bundle, new TaskOptions(TaskOptions.Isolation.NONE, Map.of("runtime", "crun")), stdio("t3"))).kind());
    }

    @Test
    void isNotIsolated() throws Exception {
        create("true");
        assertFalse(system.isolated());
        assertEquals("", system.dumpGuestStacks(Duration.ofSeconds(5)));
        assertEquals("FailedPrecondition: task is not isolated", assertThrows(HatchwayException.class,
                () -> system.execInHost(ProcessSpec.parse("{\"args\":[\"true\"]}"), Duration.ofSeconds(1))).getMessage());
        assertEquals("FailedPrecondition: task is not isolated", assertThrows(HatchwayException.class,
                () -> system.share(dir.toString(), "/mnt", true)).getMessage());
    }
}
