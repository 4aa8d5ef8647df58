package io.hatchway.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Jcmd;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attach, run a task, stop, several times over in one host, with the real attach CLI: when each
 * stop returns no thread of Hatchway's is left; after the first and the last, once JNA's
 * {@code JNA Cleaner} has ended too and garbage collection ran, no Hatchway class loader either,
 * and the host's threads and classes have not grown from the first to the last. What the host's JVM says is read with {@code jcmd}, as an operator would.
 */
class StopLeavesNothingTest {
    private static final int CYCLES = 3;
    private static final String LOADER = "io.hatchway.agent.bootstrap.PrivateClassLoader";
    /** Ours: Hatchway's threads and JNA's. */
    private static final Pattern OURS = Pattern.compile("hatchway-.*|JNA.*");
    /**
     * The JVM's own threads that come and go by themselves: its compiler threads, and the JDK's
     * {@code process reaper} pool (JNA's first load runs {@code ldconfig}), idle for 60 s before it ends.
     */
    private static final Pattern JVM_TRANSIENT = Pattern.compile("C[12] CompilerThread\\d+|process reaper");
    /** JNA's clean-up thread ends 30 s after it last had work; all the rest ends before the stop returns. */
    private static final Duration THREADS_END = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void eachStopLeavesNoThreadAndNoClassLoaderAndNothingGrowsCycleOverCycle(Jdk jdk, TestReporter reporter)
            throws Exception {
        jdk.assumeInstalled();
        Path stateDir = dir.resolve("state");
        String options = "backend=process,port=0,stateDir=" + stateDir;
        try (ChildJvm host = ChildJvm.startHost(jdk.java(), null, "stop-cycles")) {
            String pid = Long.toString(host.pid());
            Jcmd jcmd = new Jcmd(jdk.home(), host.pid());
            List<Settled> cycles = new ArrayList<>();
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                ChildJvm start = ChildJvm.cli(jdk.java(), "start", pid, options);
                assertEquals(0, start.exitStatus(), "start " + cycle + ": " + start.stderr());
                String line = start.stdout().get(0);
                String url = line.substring(line.indexOf("Jolokia at ") + "Jolokia at ".length());
                runATask(JolokiaClient.withPasswordFile(url, stateDir), dir.resolve("bundle-" + cycle));
                // the loaders of the stops not waited out may still be there: JNA's cleaner holds each 30 s
                long loaders = jcmd.liveInstances(LOADER);
                int notWaitedOut = Math.max(0, cycle - 2);
                assertTrue(loaders >= 1 && loaders <= 1 + notWaitedOut,
                        "while Hatchway runs, its class loader is there: " + loaders);
                assertFalse(ours(jcmd.threadNames()).isEmpty(), "while Hatchway runs, its threads are there");

                ChildJvm stop = ChildJvm.cli(jdk.java(), "stop", pid);
                assertEquals(0, stop.exitStatus(), "stop " + cycle + ": " + stop.stderr());
                assertEquals(List.of(), hatchways(jcmd.threadNames()), "no thread of Hatchway's once stop " + cycle
                        + " returned");
                if (cycle > 1 && cycle < CYCLES) {
                    continue; // JNA's cleaner lingers 30 s: the first and the last stop are waited out, enough to compare
                }
                await("no thread of Hatchway's or JNA's after stop " + cycle).atMost(THREADS_END)
                        .pollInterval(Duration.ofSeconds(1)).until(() -> ours(jcmd.threadNames()), List::isEmpty);
                // The first full GC runs JNA's finalizer (it frees JNA's own state); the loader goes with the next.
                await("no Hatchway class loader after stop " + cycle + " and full GCs").atMost(ChildJvm.TIMEOUT)
                        .pollInterval(Duration.ofMillis(500)).until(() -> jcmd.liveInstances(LOADER), n -> n == 0);
                Settled settled = Settled.of(jcmd);
                cycles.add(settled);
                reporter.publishEntry(jdk + " after stop " + cycle, settled.toString());
                System.out.println(jdk + " after stop " + cycle + ": " + settled);
            }

            // but jna.loaded=false: JNA's own finalizer says so as it unloads, after Hatchway has gone
            assertEquals(List.of(), jcmd.run("VM.system_properties").stream()
                    .filter(p -> p.startsWith("hatchway.") || p.startsWith("jna.") || p.startsWith("jnidispatch."))
                    .filter(p -> !p.equals("jna.loaded=false")).toList(),
                    "no system property of Hatchway's or JNA's is left");

            Settled first = cycles.get(0);
            Settled last = cycles.get(cycles.size() - 1);
            assertEquals(first.threads(), last.threads(), "the host's threads after the first and the last stop");
            long loadedSince = last.loaded() - first.loaded();
            assertTrue(loadedSince > 500, "each cycle loads Hatchway's classes anew: " + cycles);
            assertTrue(last.unloaded() - first.unloaded() >= loadedSince * 9 / 10,
                    "nearly all classes the later cycles loaded are unloaded again: " + cycles);

            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    /**
     * A task's process still running at the stop keeps its reaper thread and its output relays (and
     * so Hatchway's class loader) and nothing else; once it exits it is reaped, and the rest goes as after any stop.
     */
    @Test
    void aTaskProcessRunningAtTheStopKeepsOnlyItsReaperUntilItExits() throws Exception {
        Jdk jdk = Jdk.OPENJDK_17; // what is kept is the agent's doing, the same on every JDK; one JDK's 30 s linger
        jdk.assumeInstalled();
        Path stateDir = dir.resolve("state");
        try (ChildJvm host = ChildJvm.startHost(jdk.java(), null, "stop-running")) {
            String pid = Long.toString(host.pid());
            Jcmd jcmd = new Jcmd(jdk.home(), host.pid());
            JolokiaClient jolokia = attach(jdk, host, "process", stateDir);
            jolokia.exec("hatchway:type=TaskService", "createTask", "t",
                    TaskClient.bundle(dir.resolve("bundle"), TaskClient.SLEEP).toString(), "");
            ProcessHandle task = ProcessHandle.of(jolokia.exec("hatchway:type=Task,name=t", "start", "").asLong()).orElseThrow();
            try {
                assertEquals(0, ChildJvm.cli(jdk.java(), "stop", pid).exitStatus());
                assertFalse(Leftovers.ended(task), "the task's process keeps running");
                List<String> left = ours(jcmd.threadNames());
                assertTrue(left.stream().anyMatch(name -> name.startsWith("hatchway-reaper-"))
                        && left.stream().allMatch(name -> name.startsWith("hatchway-reaper-")
                                || name.startsWith("hatchway-relay-") || name.equals("JNA Cleaner")),
                        "only the reaper and the output relays of the running process (and JNA's cleaner) stay: " + left);
            } finally { // no agent ends it now: the test does, its shell's child first
                task.descendants().forEach(ProcessHandle::destroyForcibly);
                task.destroyForcibly();
            }
            Path proc = Path.of("/proc", Long.toString(task.pid()));
            await("the task's process reaped, not left a zombie").atMost(ChildJvm.TIMEOUT).until(() -> !Files.exists(proc));
            await("no thread of Hatchway's or JNA's once the process exited").atMost(THREADS_END)
                    .pollInterval(Duration.ofSeconds(1)).until(() -> ours(jcmd.threadNames()), List::isEmpty);
            await("no Hatchway class loader once the process exited").atMost(ChildJvm.TIMEOUT)
                    .pollInterval(Duration.ofMillis(500)).until(() -> jcmd.liveInstances(LOADER), n -> n == 0);

            assertEquals(0, host.stop());
            List<String> agentLines = host.agentLines();
            assertTrue(agentLines.get(agentLines.size() - 1).startsWith("[hatchway] stopped")
                    && agentLines.get(agentLines.size() - 1).contains("stay until they exit"), agentLines.toString());
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    /**
     * On the runc backend, whose exit watcher, exit clean-up and deadlines run on the threads the
     * agent hands the compute layer: they are there while a container task runs, and none is left
     * once stop returns.
     */
    @Test
    void aStopAfterAContainerTaskLeavesNoThreadOfTheComputeLayer() throws Exception {
        BusyboxBundle.assumeContainersWork();
        Jdk jdk = Jdk.OPENJDK_17; // the threads are the agent's doing, the same on every JDK
        jdk.assumeInstalled();
        Path stateDir = dir.resolve("state");
        try (ChildJvm host = ChildJvm.startHost(jdk.java(), null, "stop-runc")) {
            String pid = Long.toString(host.pid());
            Jcmd jcmd = new Jcmd(jdk.home(), host.pid());
            JolokiaClient jolokia = attach(jdk, host, "runc", stateDir);
            runTask(jolokia, BusyboxBundle.create(dir.resolve("bundle"), "sleep", "600"));
            assertTrue(hatchways(jcmd.threadNames()).contains("hatchway-exit-watcher"),
                    "while Hatchway runs on runc, its exit watcher is there: " + hatchways(jcmd.threadNames()));

            ChildJvm stop = ChildJvm.cli(jdk.java(), "stop", pid);
            assertEquals(0, stop.exitStatus(), "stop: " + stop.stderr());
            assertEquals(List.of(), hatchways(jcmd.threadNames()), "no thread of Hatchway's once stop returned");
            assertEquals(0, host.stop());
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    /** Starts Hatchway on {@code backend} in {@code host} with the attach CLI; its Jolokia client. */
    private static JolokiaClient attach(Jdk jdk, ChildJvm host, String backend, Path stateDir) throws Exception {
        ChildJvm start = ChildJvm.cli(jdk.java(), "start", Long.toString(host.pid()),
                "backend=" + backend + ",port=0,stateDir=" + stateDir);
        assertEquals(0, start.exitStatus(), "start: " + start.stderr());
        return JolokiaClient.withPasswordFile(host.jolokiaUrl(), stateDir);
    }

    /** {@link #runTask} on a host-process bundle in {@code bundleDir}. */
    static void runATask(JolokiaClient jolokia, Path bundleDir) throws Exception {
        runTask(jolokia, TaskClient.bundle(bundleDir, TaskClient.SLEEP));
    }

    /** createTask, start, createExec, start, waitExec, deleteExec, then the task killed and deleted: over Jolokia. */
    private static void runTask(JolokiaClient jolokia, Path bundle) throws Exception {
        String task = "hatchway:type=Task,name=t";
        jolokia.exec("hatchway:type=TaskService", "createTask", "t", bundle.toString(), "");
        jolokia.exec(task, "start", "");
        jolokia.exec(task, "createExec", "e1", TaskClient.process("echo hi"));
        jolokia.exec(task, "start", "e1");
        assertEquals(0, jolokia.exec(task, "waitExec", "e1", TaskClient.WAIT_MILLIS).get("exitStatus").asLong(),
                "the exec ran");
        jolokia.exec(task, "deleteExec", "e1");
        jolokia.exec(task, "killExec", "", TaskClient.SIGKILL, true);
        jolokia.exec(task, "waitExec", "", TaskClient.WAIT_MILLIS);
        jolokia.exec(task, "deleteExec", "");
    }

    private static List<String> ours(List<String> threads) {
        return threads.stream().filter(name -> OURS.matcher(name).matches()).toList();
    }

    /** Hatchway's own threads, which end before stop returns (JNA's cleaner ends by itself later). */
    private static List<String> hatchways(List<String> threads) {
        return threads.stream().filter(name -> name.startsWith("hatchway-")).toList();
    }

    /**
     * The host once a stop has settled: its threads (sorted, without the JVM's own transient ones) and
     * its loaded and unloaded class counts.
     */
    private record Settled(List<String> threads, long loaded, long unloaded) {
        static Settled of(Jcmd jcmd) throws Exception {
            List<String> threads = jcmd.threadNames().stream().filter(name -> !JVM_TRANSIENT.matcher(name).matches())
                    .sorted().toList();
            Map<String, String> counters = jcmd.counters();
            return new Settled(threads, Long.parseLong(counters.get("java.cls.loadedClasses")),
                    Long.parseLong(counters.get("java.cls.unloadedClasses")));
        }

        @Override
        public String toString() {
            return threads.size() + " threads " + threads + ", classes loaded " + loaded + ", unloaded " + unloaded;
        }
    }
}
