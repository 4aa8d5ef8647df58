package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.Errors.assertKind;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.oci.Json;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An exec's streams as files the caller names, FIFOs among them (containerd's model): opening one
 * waits for its other end at most {@link Stdio#PEER_TIMEOUT}, never holds the task, and a start
 * whose FIFO has no peer fails as any failed start does.
 */
abstract class StreamsContract extends BackendContract {
    private static final String TID = "streams";
    private static final String EXEC = "exec";
    /** The bound plus what a loaded two-core machine may add to it. */
    private static final Duration ANSWERED_WITHIN = Stdio.PEER_TIMEOUT.plusSeconds(5);

    /** The test's own threads (a start that waits, a late peer), ended after each test. */
    private final ExecutorService callers = Executors.newCachedThreadPool();

    StreamsContract(Backend backend) {
        super(backend);
    }

    /** Every test here feeds or reads a process's streams. */
    @BeforeEach
    void needsStdio() {
        backend.assumeStdio();
    }

    @AfterEach
    void stopCallers() throws InterruptedException {
        callers.shutdownNow();
        assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS), "a test thread is still blocked");
    }

    private Path fifo(String name) throws IOException, InterruptedException {
        Path fifo = tempDir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

    /** Runs {@code call} and checks it answered within {@link #ANSWERED_WITHIN}. */
    private static <T> T answers(String what, Supplier<T> call) {
        long started = System.nanoTime();
        T result = call.get();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(ANSWERED_WITHIN) < 0, what + " took " + took.toMillis() + " ms");
        return result;
    }

    /** Starts {@link #EXEC} on a thread of the test's; the future holds its failure's message. */
    private CompletableFuture<String> startFailing(TaskMXBean task) throws InterruptedException {
        CompletableFuture<String> start = CompletableFuture.supplyAsync(
                () -> assertKind(ErrorKind.DeadlineExceeded, () -> task.start(EXEC)), callers);
        Thread.sleep(300); // well inside the open's wait
        return start;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stdin", "stdout"})
    @DisplayName("A FIFO with no writer as stdin, or no reader as stdout: start is DeadlineExceeded naming it"
            + " within the bound, the exec is exited with status 1, nothing runs, the task answers meanwhile")
    void fifoWithoutItsPeer(String stream) throws Exception {
        Path fifo = fifo(stream + ".fifo");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("cat")).put(stream, fifo.toString()).toString());
        TaskFixture.Snapshot before = hatchway.snapshot();
        long started = System.nanoTime();

        CompletableFuture<String> start = startFailing(task);
        assertEquals(1, answers("pids", task::pids).size(), "the init process alone");
        assertEquals("running", answers("state", () -> task.state("")).getStatus());
        String message = start.get(ANSWERED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(Stdio.PEER_TIMEOUT) >= 0 && took.compareTo(ANSWERED_WITHIN) < 0,
                "start gave up after " + took.toMillis() + " ms");
        assertTrue(message.contains(stream + " " + fifo) && message.contains("no "
                + (stream.equals("stdin") ? "writer" : "reader")), message);
        ExecStatus exec = task.state(EXEC);
        assertEquals("exited", exec.getStatus());
        assertEquals(1, exec.getExitStatus());
        assertEquals(0, exec.getPid());
        assertEquals(before.processes(), TaskFixture.testProcesses(), "a process was started");
        assertEquals("running", task.state("").getStatus());
        assertEquals(1, task.deleteExec(EXEC).getExitStatus());
    }

    @Test
    @DisplayName("While a start waits for a FIFO's writer, killExec(\"\", 9, true) and deleteExec(\"\") of the"
            + " task answer within the bound, and the task is gone")
    void waitingStartHoldsNoTask() throws Exception {
        Path fifo = fifo("stdin.fifo");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("cat")).put("stdin", fifo.toString()).toString());

        CompletableFuture<String> start = startFailing(task);
        answers("killExec", () -> {
            task.killExec("", TaskFixture.SIGKILL, true);
            return null;
        });
        answers("waitExec", () -> awaitExit(task, ""));
        assertEquals(128 + TaskFixture.SIGKILL, answers("deleteExec", () -> task.deleteExec("")).getExitStatus());

        assertTrue(start.get(ANSWERED_WITHIN.toMillis(), TimeUnit.MILLISECONDS).startsWith("DeadlineExceeded: "));
        assertEquals(List.of(), hatchway.serviceMBean.getTaskIds());
    }

    @Test
    @DisplayName("FIFOs whose writer and reader come within the bound carry the exec's input and output")
    void fifosWhosePeersComeInTime() throws Exception {
        Path in = fifo("stdin.fifo");
        Path out = fifo("stdout.fifo");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("cat")).put("stdin", in.toString())
                .put("stdout", out.toString()).toString());

        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            pause(300);
            try {
                return Files.readString(out); // until the exec closes its stdout
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, callers);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            pause(300);
            try (OutputStream writer = Files.newOutputStream(in)) {
                writer.write("through the fifos\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, callers);
        task.start(EXEC);

        assertEquals(0, awaitExit(task, EXEC).getExitStatus());
        write.get(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals("through the fifos\n", read.get(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS));
    }

    @Test
    @DisplayName("closeIO(stdin) ends the input of a running exec whose stdin FIFO's writer stays open: cat exits 0")
    void closeIOEndsTheInput() throws Exception {
        Path in = fifo("stdin.fifo");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("cat")).put("stdin", in.toString()).toString());
        CompletableFuture<Integer> start = CompletableFuture.supplyAsync(() -> task.start(EXEC), callers);
        try (OutputStream writer = Files.newOutputStream(in)) { // held open until the exec has exited
            start.get(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS);
            writer.write("read before the close\n".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            ExecMXBean exec = hatchway.exec(TID, EXEC);
            TaskFixture.eventually("cat copied its input").until(
                    () -> exec.getStdout().equals("read before the close\n"));
            assertEquals("running", task.state(EXEC).getStatus(), "cat reads on while its writer is there");

            task.closeIO(EXEC, true);
            assertEquals(0, awaitExit(task, EXEC).getExitStatus());
            task.closeIO(EXEC, true); // exited: nothing to do
        }
        assertEquals(0, task.deleteExec(EXEC).getExitStatus());
    }

    // terminals

    /** A tty exec's script: whether stdin is a tty, its size, then its size again at the first SIGWINCH. */
    private static final String TTY_SCRIPT = "[ -t 0 ] && echo tty; stty size; trap 'stty size; exit 5' WINCH;"
            + " echo ready; while :; do sleep 0.05; done";

    @Test
    @DisplayName("A tty exec sees isatty(0) and consoleSize; resizePty changes the size (SIGWINCH trapped); its output"
            + " reaches the kept stdout with a terminal's line ends; resizePty once exited is ignored; nothing of"
            + " the terminal is left after delete (where the backend offers no terminals, NotImplemented)")
    void terminal() throws Exception {
        TaskMXBean task = hatchway.started(TID);
        String tty = Bundles.processNode(shell(TTY_SCRIPT)).put("terminal", true)
                .set("consoleSize", Json.MAPPER.readTree("{\"width\":100,\"height\":30}")).toString();
        if (!backend.terminals()) {
            hatchway.assertRefused(ErrorKind.NotImplemented, () -> task.createExec(EXEC, tty));
            return;
        }
        long descriptors = Leftovers.openDescriptors();
        int relays = Leftovers.workingThreadsNamed("hatchway-relay-").size(); // the init's kept output's
        task.createExec(EXEC, tty);
        ExecMXBean exec = hatchway.exec(TID, EXEC);
        assertTrue(exec.isTerminal());
        task.resizePty(EXEC, 90, 20); // created: ignored
        task.start(EXEC);
        TaskFixture.eventually("the exec is ready").until(() -> exec.getStdout().contains("ready"));
        assertEquals("tty\r\n30 100\r\nready\r\n", exec.getStdout());

        task.resizePty(EXEC, 120, 40);
        assertEquals(5, awaitExit(task, EXEC).getExitStatus());
        assertEquals("tty\r\n30 100\r\nready\r\n40 120\r\n", exec.getStdout());
        assertEquals("", exec.getStderr());
        task.resizePty(EXEC, 80, 24); // exited: ignored
        task.deleteExec(EXEC);
        TaskFixture.eventually("the terminal's descriptors and relay threads are gone").until(
                () -> Leftovers.openDescriptors() <= descriptors
                        && Leftovers.workingThreadsNamed("hatchway-relay-").size() <= relays);
    }

    @Test
    @DisplayName("Where tasks outlive the agent, a tty exec does too: what it printed before, while no agent ran and"
            + " after comes through once each, a resizePty after the restart reaches it, its exit status is its own")
    void terminalThroughARestart() throws Exception {
        assumeTrue(backend.terminals() && backend.recoversTasks(), "this backend's tasks do not outlive the agent");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("echo before; sleep 1; echo during; trap 'stty size; exit 7'"
                + " WINCH; echo ready; while :; do sleep 0.05; done")).put("terminal", true).toString());
        task.start(EXEC);
        TaskFixture.eventually("the exec printed").until(() -> hatchway.exec(TID, EXEC).getStdout().startsWith("before"));

        hatchway.restart();
        ExecMXBean exec = hatchway.exec(TID, EXEC);
        TaskFixture.eventually("the exec is ready").until(() -> exec.getStdout().contains("ready"));
        assertEquals("before\r\nduring\r\nready\r\n", exec.getStdout());
        TaskMXBean after = hatchway.task(TID);
        after.resizePty(EXEC, 120, 40);
        assertEquals(7, awaitExit(after, EXEC).getExitStatus());
        assertEquals("before\r\nduring\r\nready\r\n40 120\r\n", exec.getStdout());
        assertEquals(7, after.deleteExec(EXEC).getExitStatus());
    }

    @Test
    @DisplayName("Where tasks outlive the agent, an exec's kept output does too: what it wrote before, while no agent"
            + " ran (it never met a broken pipe) and after comes through once each, into stdout and stderr")
    void keptOutputThroughARestart() throws Exception {
        assumeTrue(backend.recoversTasks(), "this backend's tasks do not outlive the agent");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.process(shell("echo before; sleep 1; echo during; echo err >&2;"
                + " trap 'echo after; exit 7' USR1; echo ready; while :; do sleep 0.05; done")));
        task.start(EXEC);
        TaskFixture.eventually("the exec wrote").until(() -> hatchway.exec(TID, EXEC).getStdout().startsWith("before"));

        hatchway.restart();
        ExecMXBean exec = hatchway.exec(TID, EXEC);
        TaskFixture.eventually("the exec is ready").until(() -> exec.getStdout().contains("ready"));
        TaskMXBean after = hatchway.task(TID);
        after.killExec(EXEC, TaskFixture.SIGUSR1, false);
        assertEquals(7, awaitExit(after, EXEC).getExitStatus());
        assertEquals("before\nduring\nready\nafter\n", exec.getStdout());
        assertEquals("err\n", exec.getStderr());
        assertEquals(7, after.deleteExec(EXEC).getExitStatus());
    }

    @Test
    @DisplayName("A tty exec printing 6 MB: its output is copied to its last line, and what the copy and the kept"
            + " output hold on the state directory's disk stays bounded")
    void terminalPrintingMuch() throws Exception {
        TaskMXBean task = hatchway.started(TID);
        assumeTrue(backend.terminals(), "this backend offers no terminals (the terminal test checks its answer)");
        task.createExec(EXEC, Bundles.processNode(shell("yes 0123456789012345678901234567890123456789 | head -c 6000000;"
                + " echo; echo end")).put("terminal", true).toString());
        task.start(EXEC);
        assertEquals(0, awaitExit(task, EXEC).getExitStatus());
        assertTrue(hatchway.exec(TID, EXEC).getStdout().endsWith("0123456789012345678\r\nend\r\n"), "copied to the end");
        TaskFixture.eventually("the kept output is freed down to its cap").until(
                () -> allocatedBytes(hatchway.stateDir) < 4 << 20);
        task.deleteExec(EXEC);
    }

    /** The disk space the files under {@code dir} take (holes not counted). */
    private static long allocatedBytes(Path dir) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor());
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @Test
    @DisplayName("A tty exec with FIFO streams: what the test writes reaches the terminal (echoed, then copied by"
            + " cat), the output reaches the test's reader; closeIO types end-of-file, cat exits 0 and the reader"
            + " sees the end")
    void terminalThroughFifos() throws Exception {
        TaskMXBean task = hatchway.started(TID);
        assumeTrue(backend.terminals(), "this backend offers no terminals (the terminal test checks its answer)");
        Path in = fifo("stdin.fifo");
        Path out = fifo("stdout.fifo");
        task.createExec(EXEC, Bundles.processNode("cat").put("terminal", true).put("stdin", in.toString())
                .put("stdout", out.toString()).toString());
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(out); // until the terminal is closed
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, callers);
        CompletableFuture<Integer> start = CompletableFuture.supplyAsync(() -> task.start(EXEC), callers);
        try (OutputStream writer = Files.newOutputStream(in)) {
            start.get(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS);
            writer.write("typed\n".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            Thread.sleep(300);
            assertEquals("running", task.state(EXEC).getStatus(), "a terminal's input goes on with its writer");
            task.closeIO(EXEC, true);
            assertEquals(0, awaitExit(task, EXEC).getExitStatus());
        }
        assertEquals("typed\r\ntyped\r\n", read.get(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS));
        task.deleteExec(EXEC);
    }

    @Test
    @DisplayName("yes writing 100 MB (lines of 100 bytes) into kept output on a 32 MiB tmpfs: the disk never fills, each stream holding"
            + " at most its cap at any moment; the output read is the last MiB written, the exit status the process's")
    void fastWriterStaysWithinItsCap() throws Exception {
        assumeTrue(LibC.INSTANCE.getuid() == 0, "mounting a small tmpfs needs root");
        assumeTrue(backend.facts.capsKeptOutput(), "this backend's kept output is bounded once a second only");
        hatchway.close(); // one Hatchway at a time: its close checks that no hatchway-* thread works
        hatchway = null;
        long size = 32 << 20;
        Path small = Files.createDirectories(tempDir.resolve("small"));
        Mounts.mount("tmpfs", small, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=" + size);
        TaskFixture onSmall = null;
        try {
            onSmall = new TaskFixture(backend, small);
            TaskMXBean task = onSmall.started(TID);
            FileStore disk = Files.getFileStore(small);
            long usedBefore = size - disk.getUnallocatedSpace();
            String line = "0123456789".repeat(10).substring(1) + "\n"; // lines of 100 bytes
            task.createExec(EXEC, Bundles.process(shell("yes " + line.strip() + " | head -c 100000000; echo end; exit 7")));
            task.start(EXEC);
            CompletableFuture<Long> exit = CompletableFuture.supplyAsync(() -> awaitExit(task, EXEC).getExitStatus(),
                    callers);
            long mostUsed = 0;
            while (!exit.isDone()) {
                mostUsed = Math.max(mostUsed, size - disk.getUnallocatedSpace() - usedBefore);
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            assertEquals(7, exit.get());
            // stdout and stderr at their caps, and on runc conmon's log and the part of it being copied
            assertTrue(mostUsed < 4 * OutputLog.DEFAULT_CAP + (1 << 20), "the disk use grew by " + mostUsed);
            String stdout = onSmall.exec(TID, EXEC).getStdout();
            assertEquals(OutputLog.DEFAULT_CAP, stdout.length());
            String lines = line.repeat((int) OutputLog.DEFAULT_CAP / line.length() + 1);
            assertEquals(lines.substring(lines.length() - (int) OutputLog.DEFAULT_CAP + 4) + "end\n", stdout,
                    "the newest MiB");
            assertEquals(7, task.deleteExec(EXEC).getExitStatus());
        } finally {
            try {
                if (onSmall != null) {
                    onSmall.close();
                }
            } finally {
                Mounts.unmount(small, true);
            }
        }
    }

    @Test
    @DisplayName("With the state directory's disk filled to the last byte by someone else, an exec that writes and"
            + " then ends reports its own exit status, and the output it wrote before is still read")
    void exitStatusOnAFullStateDisk() throws Exception {
        assumeTrue(LibC.INSTANCE.getuid() == 0, "mounting a small tmpfs needs root");
        hatchway.close(); // one Hatchway at a time: its close checks that no hatchway-* thread works
        hatchway = null;
        Path small = Files.createDirectories(tempDir.resolve("small"));
        Mounts.mount("tmpfs", small, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=" + (16 << 20));
        TaskFixture onSmall = null;
        try {
            onSmall = new TaskFixture(backend, small);
            TaskMXBean task = onSmall.started(TID);
            Backend.UserSignal signal = backend.userSignal();
            task.createExec(EXEC, Bundles.process(shell("trap 'yes | head -c 3000000; exit 7' " + signal.trapName()
                    + "; echo ready; while :; do sleep 0.05; done")));
            task.start(EXEC);
            ExecMXBean exec = onSmall.exec(TID, EXEC);
            TaskFixture.eventually("the exec is ready").until(() -> exec.getStdout().equals("ready\n"));
            Path filler = small.resolve("filler");
            fill(filler);
            assertEquals(0, Files.getFileStore(small).getUsableSpace(), "the state directory's disk is full");

            task.killExec(EXEC, signal.number(), false);
            assertEquals(7, awaitExit(task, EXEC).getExitStatus(), "its own status, not 4294967295");
            assertTrue(exec.getStdout().startsWith("ready\n"), "what it wrote before the disk was full");
            Files.delete(filler);
            assertEquals(7, task.deleteExec(EXEC).getExitStatus());
        } finally {
            try {
                if (onSmall != null) {
                    onSmall.close();
                }
            } finally {
                Mounts.unmount(small, true);
            }
        }
    }

    /** Writes {@code file} until the disk holding it has no byte left. */
    private static void fill(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] block = new byte[64 * 1024];
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left"), e.toString());
        }
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) { // the last partial block, a byte at a time
                out.write(0);
                out.flush();
            }
        } catch (IOException e) { // full to the byte
        }
    }

    @Test
    @DisplayName("A few lines written just before the exit are all in the kept output once the exit is reported")
    void smallOutputIsCompleteAtExit() throws Exception {
        TaskMXBean task = hatchway.started(TID);
        for (int round = 0; round < 20; round++) {
            String exec = EXEC + round;
            task.createExec(exec, Bundles.process(shell("echo out-" + round + "; echo err-" + round + " >&2; exit 3")));
            task.start(exec);
            assertEquals(3, awaitExit(task, exec).getExitStatus());
            assertEquals("out-" + round + "\n", hatchway.exec(TID, exec).getStdout());
            assertEquals("err-" + round + "\n", hatchway.exec(TID, exec).getStderr());
            task.deleteExec(exec);
        }
    }

    @Test
    @DisplayName("StdoutLines and StderrLines: the last 100 lines of each kept stream, newest last, as String[]"
            + " over the MBean server, beside the full text")
    void latestLines() throws Exception {
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.process(shell("i=1; while [ $i -le 150 ]; do echo out-$i; i=$((i+1)); done;"
                + " echo err-1 >&2; echo err-2 >&2")));
        task.start(EXEC);
        awaitExit(task, EXEC);

        ObjectName exec = TaskService.execName(TID, EXEC);
        String[] stdout = (String[]) hatchway.server.getAttribute(exec, "StdoutLines");
        assertEquals(ExecMXBean.LATEST_LINES, stdout.length);
        assertEquals("out-51", stdout[0]);
        assertEquals("out-150", stdout[stdout.length - 1]);
        assertEquals(List.of(stdout), hatchway.exec(TID, EXEC).getStdout().lines().skip(50).toList(),
                "the full text's last lines");
        assertEquals(List.of("err-1", "err-2"),
                List.of((String[]) hatchway.server.getAttribute(exec, "StderrLines")));
        task.deleteExec(EXEC);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
