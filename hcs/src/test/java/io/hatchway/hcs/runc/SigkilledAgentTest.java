package io.hatchway.hcs.runc;

import static io.hatchway.testsupport.BusyboxBundle.assumeContainersWork;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.testsupport.BusyboxBundle;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing behind {@link RecoveryTest}: a child JVM creates and starts a container and is
 * killed with SIGKILL; the container exits with 5 while no JVM watches; a new backend on the same
 * state directory reports 5. Needs root.
 */
class SigkilledAgentTest {
    @TempDir
    Path dir;

    /** The child JVM: starts the task, says "ready", and waits to be killed. */
    public static void main(String[] args) throws Exception {
        RuncBackend backend = RuncBackend.open(RuncBackend.Config.of("runc", Path.of(args[0])), new ComputeThreads());
        Path out = Path.of(args[2]);
        var system = backend.create("sk-task", Bundle.load(args[1]), TaskOptions.DEFAULT,
                new Stdio(Optional.empty(), out, out));
        system.start(new Stdio(Optional.empty(), out, out));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(10));
    }

    @Test
    void aContainerOutlivesItsKilledJvmAndItsExitIsFoundAfterwards() throws Exception {
        assumeContainersWork();
        Path stateDir = dir.resolve("state");
        Path bundle = BusyboxBundle.create(dir.resolve("bundle"), "sh", "-c",
                "echo up; while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 5");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SigkilledAgentTest.class.getName(),
                stateDir.toString(), bundle.toString(), dir.resolve("task.out").toString())
                .redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String line;
            while ((line = lines.readLine()) != null && !line.equals("ready")) {
                // the child's log lines
            }
            assertEquals("ready", line);
        }
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));

        OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(),
                stateDir.resolve("runtime/runc"), Duration.ofSeconds(30), new ComputeThreads().background());
        try {
            recoverAfterTheExit(stateDir, bundle, runc);
        } finally { // whatever failed, the container goes before the temporary directory with its state
            try {
                runc.delete("sk-task", true);
            } catch (RuntimeException e) { // deleted by the test already
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> RuncFixture.conmons(stateDir).isEmpty());
        RuncFixture.assertNone(stateDir, List.of("sk-task"));
    }

    private void recoverAfterTheExit(Path stateDir, Path bundle, OciRuntime runc) throws Exception {
        assertTrue(runc.state("sk-task").isRunning(), "the container outlives the JVM");
        Files.writeString(bundle.resolve("rootfs/tmp/go"), "");
        await().atMost(Duration.ofSeconds(30)).until(() -> runc.state("sk-task").isStopped());

        RuncBackend backend = RuncBackend.open(RuncBackend.Config.of("runc", stateDir), new ComputeThreads());
        try {
            List<RecoveredSystem> recovered = backend.recover();
            assertEquals(List.of("sk-task"), recovered.stream().map(RecoveredSystem::id).toList());
            RecoveredSystem task = recovered.get(0);
            assertEquals(5, task.init().process().orElseThrow().exited().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS));
            task.system().exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
            task.system().close();
            assertEquals("up\n", Files.readString(dir.resolve("task.out")));
        } finally {
            backend.close();
        }
    }
}
