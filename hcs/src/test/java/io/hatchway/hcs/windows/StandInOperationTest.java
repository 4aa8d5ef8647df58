package io.hatchway.hcs.windows;

import static io.hatchway.hcs.windows.StandInFixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT_CALLBACK;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION_COMPLETION;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.StandInFixture.Started;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HCS operation model on the stand-in: an unused operation, one bound twice, a wait that times
 * out, a cancel, completion callbacks on HCS's thread, and none after a close.
 */
class StandInOperationTest {
    /** Ignores CtrlShutdown (SIGTERM), itself and its child: a shut down waits for it until cancelled. */
    private static final String STUBBORN = "{\"CommandLine\":\"sh -c \\\"trap '' TERM; echo ready; sleep 100\\\"\","
            + "\"CreateStdOutPipe\":true}";

    @TempDir
    Path layer;

    private StandInFixture f;
    private HCS_SYSTEM system;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void container() {
        f = new StandInFixture();
        system = f.started("operation-test-" + UUID.randomUUID(), layer);
    }

    @AfterEach
    void noLeftovers() {
        f.terminateAndClose(system);
        StandInFixture.assertNothingOpen();
    }

    private static PointerByReference document() {
        return new PointerByReference();
    }

    @Test
    void anUnusedOperationIsNotStartedAndKeepsItsContext() {
        HCS_OPERATION op = f.core.HcsCreateOperation(new Pointer(7), null);
        assertNotNull(op);
        PointerByReference result = document();
        assertEquals(ComputeCore.HCS_E_OPERATION_NOT_STARTED, f.core.HcsWaitForOperationResult(op, 0, result));
        assertNull(result.getValue());
        assertEquals(ComputeCore.HCS_E_OPERATION_NOT_STARTED, f.core.HcsGetOperationResult(op, result));
        assertEquals(ComputeCore.HCS_E_OPERATION_NOT_STARTED, f.core.HcsCancelOperation(op));
        assertEquals(ComputeCore.HcsOperationTypeNone, f.core.HcsGetOperationType(op));
        assertEquals(7, Pointer.nativeValue(f.core.HcsGetOperationContext(op)));
        f.core.HcsCloseOperation(op);
    }

    @Test
    void anOperationIsBoundOnceAndTellsItsType() {
        HCS_OPERATION op = f.core.HcsCreateOperation(null, null);
        try (Utf16 query = Utf16.of("{}")) {
            assertEquals(ComputeCore.S_OK, f.core.HcsGetComputeSystemProperties(system, op, query));
            PointerByReference result = document();
            assertEquals(ComputeCore.S_OK, f.core.HcsWaitForOperationResult(op, StandInFixture.WAIT_MS, result));
            assertTrue(parse(Utf16.take(f.kernel32, result)).get("Id").asText().startsWith("operation-test-"));
            assertEquals(ComputeCore.HcsOperationTypeGetProperties, f.core.HcsGetOperationType(op));
            assertEquals(ComputeCore.HCS_E_OPERATION_ALREADY_STARTED, f.core.HcsGetComputeSystemProperties(system, op, query));
            assertEquals(ComputeCore.S_OK, f.core.HcsGetOperationResult(op, result), "its first result stays");
            Utf16.take(f.kernel32, result);
        } finally {
            f.core.HcsCloseOperation(op);
        }
    }

    @Test
    void aWaitTimesOutThenACancelEndsTheOperation() {
        Started p = stubborn();
        HCS_OPERATION op = f.core.HcsCreateOperation(null, null);
        assertEquals(ComputeCore.S_OK, f.core.HcsShutDownComputeSystem(system, op, null));
        PointerByReference result = document();
        assertEquals(ComputeCore.HCS_E_OPERATION_PENDING, f.core.HcsGetOperationResult(op, result));
        assertEquals(ComputeCore.HCS_E_OPERATION_TIMEOUT, f.core.HcsWaitForOperationResult(op, 200, result));
        assertNull(result.getValue(), "no document with a timeout");
        assertEquals(ComputeCore.S_OK, f.core.HcsCancelOperation(op));
        assertEquals(ComputeCore.E_CANCELLED, f.core.HcsWaitForOperationResult(op, StandInFixture.WAIT_MS, result));
        assertEquals(ComputeCore.E_CANCELLED, parse(Utf16.take(f.kernel32, result)).get("Error").asInt(), "a ResultError document");
        f.core.HcsCloseOperation(op);

        Operations.Result timedOut = Operations.run(f.library, 100, o -> f.core.HcsShutDownComputeSystem(system, o, null));
        assertEquals(ComputeCore.HCS_E_OPERATION_TIMEOUT, timedOut.hresult(), "runOperation cancels what timed out, and closes it");
        try (Utf16 query = Utf16.of("{}")) {
            assertEquals("Running", parse(f.run(o -> f.core.HcsGetComputeSystemProperties(system, o, query)).document()).get("State")
                    .asText(), "a cancelled shut down leaves the container running");
        }
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void theCompletionCallbackRunsOnceOnAnotherThreadWithTheOperationAndItsContext() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Thread[] on = new Thread[1];
        HCS_OPERATION_COMPLETION completion = (operation, context) -> {
            PointerByReference result = document();
            calls.add(Pointer.nativeValue(operation.getPointer()) + "/" + Pointer.nativeValue(context) + "/"
                    + f.core.HcsGetOperationResult(operation, result));
            Utf16.take(f.kernel32, result);
            on[0] = Thread.currentThread();
            done.countDown();
        };
        HCS_OPERATION op = f.core.HcsCreateOperation(new Pointer(99), completion);
        try (Utf16 query = Utf16.of(null)) {
            assertEquals(ComputeCore.S_OK, f.core.HcsGetComputeSystemProperties(system, op, query));
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(Pointer.nativeValue(op.getPointer()) + "/99/0"), calls);
        assertNotEquals(Thread.currentThread(), on[0]);
        assertEquals(ComputeCore.HCS_E_OPERATION_ALREADY_STARTED, f.core.HcsSetOperationCallback(op, null, completion));
        f.core.HcsCloseOperation(op);
        HCS_OPERATION unused = f.core.HcsCreateOperation(null, completion);
        assertEquals(ComputeCore.HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET, f.core.HcsSetOperationCallback(unused, null, completion));
        f.core.HcsCloseOperation(unused);
    }

    @Test
    void noCallbackComesAfterItsHandleIsClosed() {
        HCS_OPERATION_COMPLETION completion = (operation, context) -> calls.add("operation");
        HCS_EVENT_CALLBACK events = (event, context) -> calls.add("event " + event.Type);
        Started p = stubborn();
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), 0, null, events));
        f.core.HcsCloseProcess(p.process());
        PointerByReference other = new PointerByReference();
        try (Utf16 id = Utf16.of(idOf(system))) {
            assertEquals(ComputeCore.S_OK, f.core.HcsOpenComputeSystem(id, ComputeCore.GENERIC_ALL, other));
        }
        HCS_SYSTEM second = new HCS_SYSTEM(other.getValue());
        assertEquals(ComputeCore.S_OK, f.core.HcsSetComputeSystemCallback(second, 0, null, events));
        f.core.HcsCloseComputeSystem(second);
        HCS_OPERATION op = f.core.HcsCreateOperation(null, completion);
        assertEquals(ComputeCore.S_OK, f.core.HcsShutDownComputeSystem(system, op, null));
        f.core.HcsCloseOperation(op); // closed in flight: HCS goes on and discards the result
        Operations.Result terminate = f.run(o -> f.core.HcsTerminateComputeSystem(system, o, null));
        assertEquals(ComputeCore.S_OK, terminate.hresult(), terminate::document);
        StandInFixture.awaitQuiet();
        assertEquals(List.of(), calls);
    }

    @Test
    void operationCallbacksThroughTheSystemCallbackExcludeOperationsWithTheirOwn() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        List<Long> operations = new CopyOnWriteArrayList<>();
        HCS_EVENT_CALLBACK events = (event, context) -> {
            if (event.Type == ComputeCore.HcsEventOperationCallback) {
                operations.add(Pointer.nativeValue(event.Operation.getPointer()));
                done.countDown();
            }
        };
        assertEquals(ComputeCore.S_OK,
                f.core.HcsSetComputeSystemCallback(system, ComputeCore.HcsEventOptionEnableOperationCallbacks, null, events));
        assertEquals(ComputeCore.HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET,
                f.core.HcsSetComputeSystemCallback(system, 0, null, events));
        HCS_OPERATION own = f.core.HcsCreateOperation(null, (operation, context) -> { });
        assertEquals(ComputeCore.HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET, f.core.HcsGetComputeSystemProperties(system, own, null));
        f.core.HcsCloseOperation(own);
        HCS_OPERATION op = f.core.HcsCreateOperation(null, null);
        assertEquals(ComputeCore.S_OK, f.core.HcsGetComputeSystemProperties(system, op, null));
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(Pointer.nativeValue(op.getPointer())), operations);
        PointerByReference result = document();
        assertEquals(ComputeCore.S_OK, f.core.HcsGetOperationResult(op, result));
        Utf16.take(f.kernel32, result);
        f.core.HcsCloseOperation(op);
    }

    @Test
    void aHandleClosedFromItsOwnCallbackDoesNotWaitForItself() throws InterruptedException {
        Started p = f.process(system, "{\"CommandLine\":\"cat\",\"CreateStdInPipe\":true}");
        CountDownLatch closed = new CountDownLatch(1);
        HCS_EVENT_CALLBACK closing = (event, context) -> {
            f.core.HcsCloseProcess(p.process());
            closed.countDown();
        };
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), 0, null, closing));
        f.close(p.info().StdInput); // cat ends
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the exit event came and its handle closed from there");
        StandInFixture.awaitQuiet();
        assertEquals(0, StandInFixture.snapshot()[StandInFixture.PROCESSES]);
    }

    /** A process of {@link #STUBBORN}, once it ignores SIGTERM. */
    private Started stubborn() {
        Started p = f.process(system, STUBBORN);
        assertEquals("ready\n", f.readUntil(p.info().StdOutput, "\n"));
        f.close(p.info().StdOutput);
        return p;
    }

    private String idOf(HCS_SYSTEM handle) {
        return parse(f.run(o -> f.core.HcsGetComputeSystemProperties(handle, o, null)).document()).get("Id").asText();
    }
}
