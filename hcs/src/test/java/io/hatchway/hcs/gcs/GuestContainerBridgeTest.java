package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.testsupport.BusyboxBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers through the bridge against the real Linux GCS (in gcs-jail) and real runc: every
 * container message of the protocol, the guest's own errors, and the teardown order the client
 * enforces. The root file system is the host's busybox, as a CombinedLayers layer or a ready root.
 */
class GuestContainerBridgeTest {
    /** An init that ends with 42 on SIGTERM, so a graceful shutdown is told from a kill. */
    private static final String INIT = "trap 'exit 42' TERM; while true; do sleep 1; done";

    @TempDir
    Path dir;
    private ComputeThreads threads;
    private GuestAgentFixture gcs;
    private GuestConnection connection;
    private final String id = "bridge-" + UUID.randomUUID().toString().substring(0, 8);
    private final String bundle = "/run/gcs/c/" + id;

    @BeforeEach
    void startGcs() throws Exception {
        threads = new ComputeThreads();
        gcs = GuestAgentFixture.start();
        connection = GuestConnection.open("the bridge to the test's GCS", gcs.in(), gcs.out(), () -> { }, threads,
                Duration.ofSeconds(20));
        connection.negotiate();
    }

    @AfterEach
    void stopGcs() throws Exception {
        connection.close();
        gcs.close(); // fails the test if anything of the GCS is left: processes, mounts, cgroups, runc state
        threads.close();
    }

    @Test
    void aContainerOnCombinedLayersLivesAndIsTornDownInHcsshimsOrder() throws Exception {
        Path layer = BusyboxBundle.create(dir.resolve("image"), "sh", "-c", INIT).resolve("rootfs");
        CombinedLayers layers = new CombinedLayers(id, bundle + "/rootfs",
                List.of(new CombinedLayers.Layer(UUID.randomUUID().toString(), layer.toString())), bundle + "/scratch");
        connection.addCombinedLayers(layers);
        GuestContainer container = connection.createContainer(id, spec(layers.containerRootPath()), bundle,
                bundle + "/scratch");
        container.start();
        GuestProcess init = container.startInit(StdioPorts.NONE);
        CompletableFuture<Long> initExit = init.exitCode(); // in flight while everything below is answered

        GuestProcess echo = container.execute(process(false, "sh", "-c", "echo hello > /tmp/out; exit 3"), StdioPorts.NONE);
        assertEquals(3L, echo.waitForExit(Duration.ofSeconds(10)));
        GuestProcess check = container.execute(process(false, "sh", "-c", "test \"$(cat /tmp/out)\" = hello"), StdioPorts.NONE);
        assertEquals(0L, check.waitForExit(Duration.ofSeconds(10)), "the container's writes stay in its scratch");

        GuestProcess sleeper = container.execute(process(false, "sleep", "300"), StdioPorts.NONE);
        HatchwayException notYet = assertThrows(HatchwayException.class, () -> sleeper.waitForExit(Duration.ofMillis(300)));
        assertEquals("DeadlineExceeded: waiting for the exit of pid " + sleeper.pid() + " in container '" + id
                + "': it did not exit within 300 ms", notYet.getMessage());
        // the guest's own timed wait (safe beside the sleeper's one wait: it ends long before the sleeper)
        HatchwayException timedOut = assertThrows(HatchwayException.class, () -> waitRaw(sleeper.pid(), 500));
        assertEquals("DeadlineExceeded: WaitForProcess of pid " + sleeper.pid() + ": HRESULT 0xC0370109"
                + " (ERROR_VMCOMPUTE_TIMEOUT)", firstLine(timedOut));
        List<Integer> pids = container.processList();
        assertTrue(pids.contains(init.pid()) && pids.contains(sleeper.pid()), pids + " lacks " + init.pid() + "/" + sleeper.pid());
        sleeper.signal(15);
        assertEquals(143L, sleeper.waitForExit(Duration.ofSeconds(10)), "128 + SIGTERM");

        HatchwayException unknown = assertThrows(HatchwayException.class, () -> waitRaw(999_999, 1000));
        assertEquals("NotFound: WaitForProcess of pid 999999: HRESULT 0x80070490 (ERROR_NOT_FOUND)", firstLine(unknown));
        HatchwayException unknownSignal = assertThrows(HatchwayException.class, () -> signalRaw(999_999, 15));
        assertEquals(ErrorKind.NotFound, unknownSignal.kind(), unknownSignal.getMessage());

        GuestStatistics figures = container.statistics();
        assertTrue(figures.pidsCurrent() >= 1, "at least the init: " + figures);
        assertTrue(figures.cpuTotalNanos() > 0 && figures.memoryUsageBytes() > 0, figures.toString());
        container.updateConstraints(Json.MAPPER.readTree("{\"memory\":{\"limit\":268435456},\"cpu\":{\"shares\":512}}"));
        assertEquals(268435456L, container.statistics().memoryLimitBytes());

        GuestProcess tty = container.execute(process(true, "sleep", "2"), StdioPorts.NONE);
        tty.resizeConsole(120, 40);
        assertEquals(0L, tty.waitForExit(Duration.ofSeconds(10)));

        HatchwayException stdout = assertThrows(HatchwayException.class, () -> container.execute(process(false, "true"),
                new StdioPorts(0, StdioPorts.FIRST_PORT, 0)));
        assertEquals(ErrorKind.Unavailable, stdout.kind());
        assertTrue(stdout.getMessage().contains("HRESULT 0x80004005 (E_FAIL)")
                && stdout.getMessage().contains("vsock Dial port (1073741825) failed"), stdout.getMessage());

        HatchwayException running = assertThrows(HatchwayException.class, container::deleteState);
        assertEquals("FailedPrecondition: DeleteContainerState container '" + id
                + "': it has not exited; shut it down and wait for its exit first", running.getMessage());

        container.shutdownGraceful();
        ContainerNotification exit = container.exited().get(30, TimeUnit.SECONDS);
        assertEquals(id, exit.containerId());
        assertTrue(List.of("GracefulExit", "UnexpectedExit").contains(exit.type()), exit.toString());
        assertEquals(42L, initExit.get(10, TimeUnit.SECONDS), "the init's TERM trap ran");

        HatchwayException mounted = assertThrows(HatchwayException.class, container::deleteState);
        assertEquals("FailedPrecondition: DeleteContainerState container '" + id + "': its CombinedLayers are still mounted at "
                + bundle + "/rootfs; remove them first, or the guest deletes through the mounted root file system",
                mounted.getMessage());
        assertTrue(Path.of(layer.toString(), "bin", "busybox").toFile().exists(), "the layer is untouched");

        connection.removeCombinedLayers(layers);
        container.deleteState();
        HatchwayException again = assertThrows(HatchwayException.class, container::deleteState);
        assertEquals(ErrorKind.NotFound, again.kind());
        assertTrue(again.getMessage().contains("HRESULT 0xC037010E (ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND)"), again.getMessage());
    }

    @Test
    void aContainerOnAReadyRootIsShutDownByForceWhileRequestsAreAnsweredOutOfOrder() throws Exception {
        Path rootfs = BusyboxBundle.create(dir.resolve("bundle"), "sh", "-c", INIT).resolve("rootfs").toAbsolutePath();
        GuestContainer container = connection.createContainer(id, spec(rootfs.toString()), bundle, bundle + "/scratch");
        container.start();
        GuestProcess init = container.startInit(StdioPorts.NONE);

        Bridge bridge = ((GcsConnection) connection).bridge();
        ObjectNode wait = Bridge.request(id).put("ProcessId", init.pid()).put("TimeoutInMs", 3000);
        Bridge.Call first = bridge.send(Rpc.WaitForProcess, "WaitForProcess of the init (3 s)", wait);
        List<Integer> pids = container.processList(); // sent second, answered first
        assertFalse(first.response().isDone(), "the earlier wait is still in flight");
        assertTrue(pids.contains(init.pid()), pids.toString());
        HatchwayException timedOut = assertThrows(HatchwayException.class, () -> bridge.await(first, Duration.ofSeconds(10)));
        assertEquals(ErrorKind.DeadlineExceeded, timedOut.kind());

        container.shutdownForced();
        container.exited().get(30, TimeUnit.SECONDS);
        assertEquals(137L, init.waitForExit(Duration.ofSeconds(10)), "128 + SIGKILL");
        container.deleteState();
        assertTrue(rootfs.resolve("bin/busybox").toFile().exists(), "a ready root is the caller's: left as it was");
    }

    /** {@code runc spec}'s document (as BusyboxBundle writes it) with its root at {@code rootPath}, writable. */
    private JsonNode spec(String rootPath) throws Exception {
        Path image = dir.resolve("image").toFile().exists() ? dir.resolve("image") : dir.resolve("bundle");
        ObjectNode spec = (ObjectNode) Json.MAPPER.readTree(image.resolve("config.json").toFile());
        spec.withObjectProperty("root").put("path", rootPath).put("readonly", false);
        return spec;
    }

    private static ObjectNode process(boolean terminal, String... args) {
        ObjectNode process = Json.MAPPER.createObjectNode().put("terminal", terminal).put("cwd", "/");
        process.putObject("user").put("uid", 0).put("gid", 0);
        List.of(args).forEach(process.putArray("args")::add);
        process.putArray("env").add("PATH=/bin");
        return process;
    }

    /** A WaitForProcess the typed API never sends (it sends one wait per process, at its start). */
    private JsonNode waitRaw(int pid, long timeoutMillis) {
        ObjectNode wait = Bridge.request(id).put("ProcessId", pid).put("TimeoutInMs", timeoutMillis);
        return ((GcsConnection) connection).bridge().call(Rpc.WaitForProcess, "WaitForProcess of pid " + pid, wait);
    }

    private void signalRaw(int pid, int signal) {
        ObjectNode request = Bridge.request(id).put("ProcessId", pid);
        request.putObject("Options").put("Signal", signal);
        ((GcsConnection) connection).bridge().call(Rpc.SignalProcess, "SignalProcess of pid " + pid, request);
    }

    private static String firstLine(Exception e) {
        String message = e.getMessage();
        int colon = message.indexOf(": ", message.indexOf("HRESULT"));
        return colon < 0 ? message : message.substring(0, colon);
    }
}
