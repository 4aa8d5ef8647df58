package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge against the real Linux GCS (in gcs-jail): negotiation, the null container's messages,
 * the client's own bounds, and the connection's loss. Containers are {@link GuestContainerBridgeTest}'s.
 */
class GuestBridgeTest {
    private static final Map<String, String> PATH = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

    /** The jail's end closes the stream; the fixture may close our end of the pipe a moment later. */
    private static final String LOSS = "(the guest agent closed it \\(end of stream\\)|reading failed: .+)";

    private ComputeThreads threads;
    private GuestAgentFixture gcs;
    private GuestConnection connection;

    @BeforeEach
    void startGcs() throws Exception {
        threads = new ComputeThreads();
        gcs = GuestAgentFixture.start();
        connection = GuestConnection.open("the bridge to the test's GCS", gcs.in(), gcs.out(), () -> { }, threads,
                Duration.ofSeconds(20));
    }

    @AfterEach
    void stopGcs() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (gcs != null) {
            gcs.close(); // fails the test if anything of the GCS is left
        }
        threads.close();
    }

    @Test
    void negotiatesVersion4OnceAndKeepsTheGuestsCapabilities() {
        GuestCapabilities capabilities = connection.negotiate();

        assertEquals(4, capabilities.protocolVersion());
        assertEquals("Linux", capabilities.runtimeOsType());
        assertEquals(List.of("2.1"), capabilities.supportedSchemaVersions());
        assertTrue(capabilities.signalProcessSupported());
        assertTrue(capabilities.dumpStacksSupported());
        assertTrue(capabilities.deleteContainerStateSupported());
        assertFalse(capabilities.sendHostCreateMessage(), "the Linux GCS needs no Create for the null container");
        assertEquals(capabilities, connection.capabilities());

        HatchwayException twice = assertThrows(HatchwayException.class, connection::negotiate);
        assertEquals(ErrorKind.FailedPrecondition, twice.kind());
        assertEquals("FailedPrecondition: NegotiateProtocol: version 4 was already negotiated on this bridge;"
                + " the guest negotiates once per connection", twice.getMessage());

        // what the GCS itself says to a second negotiation, which the client never lets through
        HatchwayException guestSays = assertThrows(HatchwayException.class, () -> bridge().call(Rpc.NegotiateProtocol,
                "NegotiateProtocol (again)", negotiation(4, 4)));
        assertEquals(ErrorKind.NotImplemented, guestSays.kind());
        assertTrue(guestSays.getMessage().startsWith("NotImplemented: NegotiateProtocol (again): HRESULT 0x80004001 (E_NOTIMPL): "),
                guestSays.getMessage());
        assertTrue(guestSays.getMessage().contains("bridge: function not supported, header type: ComputeSystemNegotiateProtocolV1"),
                guestSays.getMessage());
    }

    @Test
    void aFreshGuestRefusesRequestsBeforeNegotiationAndVersionsOutOfRange() {
        HatchwayException clientRefuses = assertThrows(HatchwayException.class, connection::dumpStacks);
        assertEquals("FailedPrecondition: DumpStacks: the protocol is not negotiated yet (NegotiateProtocol first)",
                clientRefuses.getMessage());

        HatchwayException create = assertThrows(HatchwayException.class,
                () -> bridge().call(Rpc.Create, "Create before negotiating", Bridge.request("c0")));
        assertEquals(ErrorKind.NotImplemented, create.kind());
        assertTrue(create.getMessage().contains("HRESULT 0x80004001 (E_NOTIMPL)")
                && create.getMessage().contains("function not supported, header type: ComputeSystemCreateV1"), create.getMessage());

        HatchwayException versions = assertThrows(HatchwayException.class,
                () -> bridge().call(Rpc.NegotiateProtocol, "NegotiateProtocol 1-3", negotiation(1, 3)));
        assertEquals(ErrorKind.NotImplemented, versions.kind());
        assertTrue(versions.getMessage().startsWith(
                "NotImplemented: NegotiateProtocol 1-3: HRESULT 0xC037010C (ERROR_VMCOMPUTE_UNSUPPORTED_PROTOCOL_VERSION)"),
                versions.getMessage());
    }

    @Test
    void dumpStacksAreTheGuestAgentsGoroutines() {
        connection.negotiate();
        String stacks = connection.dumpStacks();
        assertTrue(stacks.startsWith("goroutine "), stacks);
        assertTrue(stacks.contains("[running]") && stacks.contains("github.com/Microsoft/hcsshim"), stacks);
    }

    @Test
    void execInHostRunsInTheGuestAndItsExitCodeComesBack() throws Exception {
        connection.negotiate();
        GuestProcess shell = connection.execInHost(List.of("/bin/sh", "-c", "test \"$PWD\" = / && exit 7"), "/", PATH,
                StdioPorts.NONE);
        assertTrue(shell.pid() > 1);
        assertEquals(GuestConnection.NULL_CONTAINER_ID, shell.containerId());
        assertEquals(7L, shell.exitCode().get(10, TimeUnit.SECONDS));
        assertEquals(7L, shell.waitForExit(Duration.ofSeconds(1)), "kept once known: the guest forgets it");

        GuestProcess sleeper = connection.execInHost(List.of("/bin/sleep", "300"), "/", PATH, StdioPorts.NONE);
        HatchwayException signal = assertThrows(HatchwayException.class, () -> sleeper.signal(9));
        assertEquals(ErrorKind.NotFound, signal.kind(), "v0.12 only signals processes of containers");
        assertTrue(signal.getMessage().startsWith("NotFound: SignalProcess 9 to pid " + sleeper.pid()
                + " in the guest: HRESULT 0xC037010E (ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND)"), signal.getMessage());
        GuestProcess kill = connection.execInHost(List.of("/bin/kill", "-9", String.valueOf(sleeper.pid())), "/", PATH,
                StdioPorts.NONE);
        assertEquals(0L, kill.waitForExit(Duration.ofSeconds(10)));
        assertEquals(4294967295L, sleeper.waitForExit(Duration.ofSeconds(10)), "killed by a signal: the guest says -1");

        HatchwayException empty = assertThrows(HatchwayException.class,
                () -> connection.execInHost(List.of(), "/", PATH, StdioPorts.NONE));
        assertEquals("InvalidArgument: ExecuteProcess in the guest: missing command", empty.getMessage());
    }

    @Test
    void theNullContainerHasNoPropertiesToGive() {
        connection.negotiate();
        ObjectNode request = Bridge.request(GuestConnection.NULL_CONTAINER_ID)
                .put("Query", "{\"PropertyTypes\":[\"ProcessList\"]}");
        HatchwayException refused = assertThrows(HatchwayException.class,
                () -> bridge().call(Rpc.GetProperties, "GetProperties of the guest", request));
        assertEquals("Unavailable: GetProperties of the guest: HRESULT 0x80004005 (E_FAIL): getPropertiesV2 is not supported"
                + " against the UVM", refused.getMessage());
    }

    @Test
    void whatNeedsVsockIsRefusedByTheGuestItself() {
        connection.negotiate();
        HatchwayException plan9 = assertThrows(HatchwayException.class, () -> connection.addMappedDirectory(
                new MappedDirectory("/run/mounts/m1", 0x40000010, "share1", true)));
        assertEquals(ErrorKind.Unavailable, plan9.kind());
        assertTrue(plan9.getMessage().startsWith("Unavailable: ModifySettings Add MappedDirectory at /run/mounts/m1:"
                + " HRESULT 0x80004005 (E_FAIL): "), plan9.getMessage());
        assertTrue(plan9.getMessage().contains("vsock Dial port (1073741840) failed"), plan9.getMessage());

        HatchwayException stdout = assertThrows(HatchwayException.class, () -> connection.execInHost(
                List.of("/bin/true"), "/", PATH, new StdioPorts(0, StdioPorts.FIRST_PORT, 0)));
        assertEquals(ErrorKind.Unavailable, stdout.kind());
        assertTrue(stdout.getMessage().contains("vsock Dial port (1073741825) failed"), stdout.getMessage());
    }

    @Test
    void aCallerGivingUpIsDeadlineExceededAndTheLateAnswerIsDropped() {
        connection.negotiate();
        GuestProcess sleeper = connection.execInHost(List.of("/bin/sleep", "300"), "/", PATH, StdioPorts.NONE);
        HatchwayException notYet = assertThrows(HatchwayException.class, () -> sleeper.waitForExit(Duration.ofMillis(200)));
        assertEquals("DeadlineExceeded: waiting for the exit of pid " + sleeper.pid()
                + " in the guest: it did not exit within 200 ms", notYet.getMessage());

        // a timed wait the guest answers (0xC0370109) after 1 s, given up on by the client after 100 ms; safe beside
        // the sleeper's own wait because it ends long before the sleeper does
        ObjectNode wait = Bridge.request(GuestConnection.NULL_CONTAINER_ID).put("ProcessId", sleeper.pid())
                .put("TimeoutInMs", 1000);
        Bridge.Call call = bridge().send(Rpc.WaitForProcess, "WaitForProcess of the sleeper (1 s)", wait);
        HatchwayException late = assertThrows(HatchwayException.class, () -> bridge().await(call, Duration.ofMillis(100)));
        assertEquals("DeadlineExceeded: WaitForProcess of the sleeper (1 s): the bridge to the test's GCS did not answer"
                + " within 100 ms", late.getMessage());
        GuestProcess kill = connection.execInHost(List.of("/bin/sh", "-c", "sleep 2; kill -9 " + sleeper.pid()), "/", PATH,
                StdioPorts.NONE);
        assertEquals(4294967295L, sleeper.waitForExit(Duration.ofSeconds(10)), "the bridge went on past the dropped answer");
        assertEquals(0L, kill.waitForExit(Duration.ofSeconds(10)));
        assertEquals(0, bridge().inFlight(), "the given-up call was forgotten and every process's wait answered");
    }

    @Test
    void losingTheGuestFailsEveryWaiterAtOnceWithUnavailable() throws Exception {
        connection.negotiate();
        List<CompletableFuture<Long>> waiters = List.of(
                connection.execInHost(List.of("/bin/sleep", "300"), "/", PATH, StdioPorts.NONE).exitCode(),
                connection.execInHost(List.of("/bin/sleep", "301"), "/", PATH, StdioPorts.NONE).exitCode());
        GuestProcess timed = connection.execInHost(List.of("/bin/sleep", "302"), "/", PATH, StdioPorts.NONE);
        CompletableFuture<Long> timedWait = CompletableFuture.supplyAsync(() -> timed.waitForExit(Duration.ofMinutes(5)),
                threads.background());
        assertEquals(3, bridge().inFlight(), "each process's one wait");

        long start = System.nanoTime();
        gcs.close(); // SIGTERM to the jail: the GCS and its processes die, the stream ends
        for (CompletableFuture<Long> waiter : List.of(waiters.get(0), waiters.get(1), timedWait)) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> waiter.get(10, TimeUnit.SECONDS));
            HatchwayException error = (HatchwayException) (failed.getCause() instanceof HatchwayException
                    ? failed.getCause() : failed.getCause().getCause());
            assertEquals(ErrorKind.Unavailable, error.kind());
            assertTrue(error.getMessage().matches("Unavailable: WaitForProcess of pid \\d+ in the guest: the bridge to the"
                    + " test's GCS was lost: " + LOSS), error.getMessage());
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        assertTrue(connection.lost().isDone());

        HatchwayException after = assertThrows(HatchwayException.class, connection::dumpStacks);
        assertTrue(after.getMessage().matches("Unavailable: DumpStacks: the bridge to the test's GCS was lost: " + LOSS),
                after.getMessage());
    }

    @Test
    void closingTheConnectionFailsEveryWaiterAndLaterRequestWithoutReachingTheGuest() throws Exception {
        connection.negotiate();
        GuestProcess sleeper = connection.execInHost(List.of("/bin/sleep", "300"), "/", PATH, StdioPorts.NONE);
        CompletableFuture<Long> exit = sleeper.exitCode();

        connection.close();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> exit.get(1, TimeUnit.SECONDS));
        assertEquals("Unavailable: WaitForProcess of pid " + sleeper.pid() + " in the guest: the bridge to the test's GCS"
                + " was lost: closed by the host", failed.getCause().getMessage());
        HatchwayException later = assertThrows(HatchwayException.class, connection::dumpStacks);
        assertEquals("Unavailable: DumpStacks: the bridge to the test's GCS was lost: closed by the host", later.getMessage());
        assertEquals(0, bridge().inFlight());
        connection.close(); // idempotent
    }

    private Bridge bridge() {
        return ((GcsConnection) connection).bridge();
    }

    private static ObjectNode negotiation(int minimum, int maximum) {
        return Bridge.request(GuestConnection.NULL_CONTAINER_ID).put("MinimumVersion", minimum).put("MaximumVersion", maximum);
    }
}
