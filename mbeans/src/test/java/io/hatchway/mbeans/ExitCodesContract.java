package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.shell;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exit statuses and output as a user reads them from the Task and Exec MBeans. */
abstract class ExitCodesContract extends BackendContract {
    private static final String TID = "exit-codes";
    private static final String EXEC = "exec";

    ExitCodesContract(Backend backend) {
        super(backend);
    }

    @Test
    @DisplayName("An exec's exit code is its exit status: sh -c 'exit 3' → 3, on every view of it")
    void execExitCode() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("exit 3"), EXEC);
        ExecMXBean exec = hatchway.exec(TID, EXEC);
        assertEquals(255, exec.getExitStatus(), "not exited yet");
        assertEquals("", exec.getExitedAt());

        exec.start();
        ExitStatus exit = exec.waitFor(TaskFixture.WAIT_MILLIS);

        assertEquals(3, exit.getExitStatus());
        assertEquals(3, task.state(EXEC).getExitStatus());
        assertEquals(3, exec.getExitStatus());
        assertEquals("exited", exec.getState());
        assertEquals(exit.getExitedAt(), exec.getExitedAt());
        Instant.parse(exec.getExitedAt());
        assertEquals(3, task.deleteExec(EXEC).getExitStatus());
    }

    @Test
    @DisplayName("The init exec's exit code is the task's: sh -c 'exit 3' → 3 from wait and delete")
    void initExitCode() {
        TaskMXBean task = hatchway.started(TID, shell("exit 3"));

        assertEquals(3, task.waitExec("", TaskFixture.WAIT_MILLIS).getExitStatus());
        assertEquals("exited", task.getStatus());
        assertEquals(3, task.deleteExec("").getExitStatus());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SIGKILL", "user signal", "SIGTERM"}) // not SIGINT or SIGHUP: a JVM started in the
    // background passes them on ignored; the user signal is SIGUSR1 on Linux (Backend#userSignal)
    @DisplayName("A process killed by signal N reports 128+N")
    void killedBySignal(String which) {
        int signal = switch (which) {
            case "SIGKILL" -> TaskFixture.SIGKILL;
            case "SIGTERM" -> TaskFixture.SIGTERM;
            default -> backend.userSignal().number();
        };
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, EXEC);

        task.killExec(EXEC, signal, false);
        task.killExec("", signal, false);

        assertEquals(backend.exitStatusOf(signal), awaitExit(task, EXEC).getExitStatus());
        if (backend.initIsPidOne() && signal != TaskFixture.SIGKILL) {
            // A container's init is pid 1: a signal it has no handler for is delivered and ignored.
            TaskFixture.assertStillRunning(task, "");
            return;
        }
        assertEquals(backend.exitStatusOf(signal), awaitExit(task, "").getExitStatus());
    }

    @Test
    @DisplayName("A process that signals itself with SIGTERM reports 143")
    void killsItself() {
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("kill -TERM $$"), EXEC);
        task.start(EXEC);

        assertEquals(143, awaitExit(task, EXEC).getExitStatus());
    }

    @Test
    @DisplayName("What an exec and the init exec write to stdout and stderr is readable from their Exec MBeans")
    void output() {
        backend.assumeStdio();
        TaskMXBean task = hatchway.started(TID, shell("echo init-out; echo init-err >&2; exec " + Bundles.SLEEP
                + " 600"));
        addExecs(task, shell("echo exec-out; echo exec-err >&2"), EXEC);
        task.start(EXEC);
        awaitExit(task, EXEC);

        ExecMXBean exec = hatchway.exec(TID, EXEC);
        assertEquals("exec-out\n", exec.getStdout());
        assertEquals("exec-err\n", exec.getStderr());
        ExecMXBean init = hatchway.exec(TID, "");
        TaskFixture.eventually("the init process wrote its lines")
                .until(() -> init.getStdout().equals("init-out\n") && init.getStderr().equals("init-err\n"));
    }

    @Test
    @DisplayName("Output kept by Hatchway is bounded to its last 1 MiB")
    void outputIsBounded() {
        backend.assumeStdio();
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, shell("head -c 3000000 /dev/zero | tr '\\0' x; echo END"), EXEC);
        task.start(EXEC);
        awaitExit(task, EXEC);

        String stdout = hatchway.exec(TID, EXEC).getStdout();

        assertEquals(1 << 20, stdout.length());
        assertTrue(stdout.endsWith("xxxEND\n"));
    }

    @Test
    @DisplayName("Output of a process that names its own stdout file goes there, not to the MBean")
    void namedStdoutFile() throws IOException {
        backend.assumeStdio();
        Path file = tempDir.resolve("exec.out");
        TaskMXBean task = hatchway.started(TID);
        task.createExec(EXEC, Bundles.processNode(shell("echo to-file")).put("stdout", file.toString()).toString());
        task.start(EXEC);
        awaitExit(task, EXEC);

        assertEquals("to-file\n", Files.readString(file));
        assertEquals("", hatchway.exec(TID, EXEC).getStdout());
        assertEquals(file.toString(), task.state(EXEC).getStdout());
        assertFalse(task.state("").getStdout().isEmpty(), "the init exec's kept output has a file too");
    }
}
