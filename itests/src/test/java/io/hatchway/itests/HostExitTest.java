package io.hatchway.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The process backend's host-exit policy, seen from outside real host JVMs: a host that exits ends
 * its tasks' processes (SIGTERM, a bounded wait, SIGKILL) and says so in {@code hatchway.log}; a host
 * killed outright leaves them, and the next start on its state directory ends them before serving;
 * a host without tasks exits as it would without Hatchway.
 */
class HostExitTest {
    /** The documented bound of a host's exit with tasks: the default shutdown wait, then a second after SIGKILL. */
    private static final long BOUND_MILLIS = 3_000 + 1_000;
    private static final String TASK = "sleep 600 & exec sleep 600"; // a sleep and a child it forked

    @TempDir
    Path dir;

    private final List<ChildJvm> hosts = new ArrayList<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(ChildJvm::close);
        TaskClient.assertNoProcessLeft();
    }

    private Path state() {
        return dir.resolve("state");
    }

    private ChildJvm host(Jdk jdk, String... hostArguments) throws IOException {
        ChildJvm host = ChildJvm.startHost(jdk.java(), "backend=process,port=0,stateDir=" + state(), hostArguments);
        hosts.add(host);
        return host;
    }

    private String log() throws IOException {
        return Files.readString(state().resolve("hatchway.log"));
    }

    /** A started task {@code t1} with both its processes running. @return them */
    private List<ProcessHandle> runningTask(TaskClient client) throws Exception {
        client.createTask("t1", TaskClient.bundle(dir.resolve("bundle"), TASK));
        client.start("t1", "");
        await("both processes of t1").atMost(ChildJvm.TIMEOUT).until(() -> client.pids("t1").length == 2);
        return TaskClient.handles(client.pids("t1"));
    }

    static Stream<Arguments> jdksAndExits() {
        return Jdk.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, "main returns"), Arguments.of(jdk, "System.exit")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("jdksAndExits")
    void aHostThatExitsEndsItsTasksFirst(Jdk jdk, String exit) throws Exception {
        jdk.assumeInstalled();
        boolean systemExit = exit.equals("System.exit");
        ChildJvm host = systemExit ? host(jdk, HostMain.SYSTEM_EXIT) : host(jdk);
        host.jolokiaUrl(); // its start line is out
        List<ProcessHandle> processes = runningTask(new TaskClient(host.jmx()));

        long begin = System.nanoTime();
        int status = host.stop();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        System.out.println("host exit with a running task (" + jdk + ", " + exit + "): " + millis + " ms");

        assertEquals(systemExit ? HostMain.EXIT_STATUS : 0, status, "the host's own exit status");
        assertTrue(processes.stream().allMatch(Leftovers::ended),
                "the sleep and its child ended before the host did: " + processes);
        String log = log();
        assertTrue(log.contains("host exit: task 't1': SIGTERM to " + pids(processes)), log);
        assertTrue(log.contains("host exit: task 't1' ended, "), log);
        assertFalse(log.contains("SIGKILL"), "sleep ends at SIGTERM: " + log);
        assertTrue(millis < 3 * BOUND_MILLIS, "the exit is bounded by the shutdown wait: " + millis + " ms");
        assertEquals(1, host.agentLines().size(), "on the host's stderr only the start line: " + host.agentLines());
        assertEquals(List.of(), recorded(), "nothing is left for the next start");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void aHostWithoutTasksExitsAsBefore(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        ChildJvm host = host(jdk);
        host.jolokiaUrl(); // its start line is out
        new TaskClient(host.jmx()); // reached as a user would, and left alone

        long begin = System.nanoTime();
        assertEquals(0, host.stop());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        System.out.println("host exit without tasks (" + jdk + "): " + millis + " ms");

        assertEquals(List.of(HostMain.RUNNING, HostMain.DONE), host.stdout());
        assertEquals(1, host.agentLines().size(), "only the start line: " + host.agentLines());
        assertEquals(host.agentLines(), host.stderr(), "nothing else on stderr");
        assertFalse(log().contains("host exit"), "nothing to log: " + log());
        assertFalse(Files.exists(state().resolve("process")), "nothing recorded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void theNextStartEndsWhatAKilledHostLeftAndTheIdIsFreeAgain(Jdk jdk) throws Exception {
        jdk.assumeInstalled();
        ChildJvm killed = host(jdk);
        List<ProcessHandle> processes = runningTask(new TaskClient(killed.jmx()));
        ProcessHandle.of(killed.pid()).orElseThrow().destroyForcibly(); // SIGKILL: no shutdown hook runs
        killed.awaitExit();
        assertTrue(processes.stream().noneMatch(Leftovers::ended), "a killed host leaves its task running");

        ChildJvm next = host(jdk);
        next.jolokiaUrl(); // the start line: Hatchway serves
        TaskClient client = new TaskClient(next.jmx());

        assertTrue(processes.stream().allMatch(Leftovers::ended), "ended before the agent served: " + processes);
        String log = log();
        assertTrue(log.contains("leftover of an earlier run: task 't1': SIGTERM to " + pids(processes)), log);
        assertTrue(log.contains("leftover of an earlier run: task 't1' ended, "), log);
        List<ProcessHandle> again = runningTask(client);
        assertTrue(again.stream().noneMatch(Leftovers::ended), "the id is free and its task runs");
        client.killAndDelete("t1");
        assertEquals(List.of(), recorded(), "a deleted task's record goes");
        assertEquals(0, next.stop());
    }

    @Test
    void afterStopTasksRunOnTheirIdIsRefusedWhileTheirHostRunsAndTheyAreEndedOnceItIsGone() throws Exception {
        Jdk jdk = Jdk.OPENJDK_17;
        jdk.assumeInstalled();
        ChildJvm first = host(jdk);
        List<ProcessHandle> processes = runningTask(new TaskClient(first.jmx()));
        ChildJvm stop = ChildJvm.cli(jdk.java(), "stop", Long.toString(first.pid()));
        assertEquals(0, stop.exitStatus(), "stop: " + stop.stderr());

        ChildJvm second = host(jdk);
        TaskClient client = new TaskClient(second.jmx());
        assertTrue(processes.stream().noneMatch(Leftovers::ended), "the first host still runs: its task is left alone");
        String refused = client.failure("AlreadyExists", ChildJvm.TASK_SERVICE, "createTask", "t1",
                TaskClient.bundle(dir.resolve("bundle"), TASK).toString(), "");
        assertTrue(refused.startsWith("AlreadyExists: task with id: 't1' already exists on this host: processes "
                + pids(processes) + " of an earlier run"), refused);

        assertEquals(0, first.stop());
        assertTrue(processes.stream().noneMatch(Leftovers::ended), "stop removed the host-exit hook: they run on");

        List<ProcessHandle> again = runningTask(client); // the id's leftover is ended, then the id is free
        assertTrue(processes.stream().allMatch(Leftovers::ended), "the first host's task ended: " + processes);
        assertTrue(again.stream().noneMatch(Leftovers::ended));
        assertTrue(log().contains("leftover of an earlier run: task 't1' ended, "), log());
        client.killAndDelete("t1");
        assertEquals(0, second.stop());
    }

    private List<String> recorded() throws IOException {
        Path records = state().resolve("process");
        if (!Files.isDirectory(records)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(records)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    private static String pids(List<ProcessHandle> processes) {
        return processes.stream().map(ProcessHandle::pid).sorted().toList().toString();
    }
}
