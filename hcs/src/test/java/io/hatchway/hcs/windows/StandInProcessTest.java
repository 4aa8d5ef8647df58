package io.hatchway.hcs.windows;

import static io.hatchway.hcs.windows.StandInFixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT_CALLBACK;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.StandInFixture.Started;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes in a stand-in container through the binding: pipes read with ReadFile and written
 * with WriteFile, exit codes in ProcessExited events, stdin closed by ProcessModifyRequest, console
 * signals and terminate, the process list and statistics, the container's exit event.
 */
class StandInProcessTest {
    @TempDir
    Path layer;

    private StandInFixture f;
    private HCS_SYSTEM system;

    /** An event as a callback received it, and on which thread. */
    record Event(int type, String data, Pointer context, Thread thread) {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Held for as long as native code may call it. */
    private final HCS_EVENT_CALLBACK callback = (event, context) -> events
            .add(new Event(event.Type, Utf16.read(event.EventData), context, Thread.currentThread()));

    @BeforeEach
    void container() {
        f = new StandInFixture();
        system = f.started("process-test-" + UUID.randomUUID(), layer);
    }

    @AfterEach
    void noLeftovers() {
        if (system != null) {
            f.terminateAndClose(system);
        }
        StandInFixture.assertNothingOpen();
    }

    private static String parameters(String commandLine, boolean in, boolean out, boolean err) {
        ObjectNode document = StandInFixture.JSON.createObjectNode();
        document.put("CommandLine", commandLine);
        document.put("WorkingDirectory", "/");
        document.putObject("Environment").put("GREETING", "h\u00e9llo \u65e5\u672c");
        document.put("CreateStdInPipe", in);
        document.put("CreateStdOutPipe", out);
        document.put("CreateStdErrPipe", err);
        return document.toString();
    }

    private Event next() throws InterruptedException {
        Event event = events.poll(StandInFixture.WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(event, "an event within 10 s");
        return event;
    }

    private JsonNode waitForExit(Started p) {
        PointerByReference result = new PointerByReference();
        assertEquals(ComputeCore.S_OK, f.core.HcsWaitForProcessExit(p.process(), StandInFixture.WAIT_MS, result));
        return parse(Utf16.take(f.kernel32, result));
    }

    @Test
    void outputComesThroughReadFileAndTheExitCodeThroughTheProcessExitedEvent() throws InterruptedException {
        Started p = f.process(system, parameters("sh -c \"read go; printf '%s' \\\"$GREETING\\\"; printf oops >&2; exit 3\"", true, true,
                true));
        assertTrue(p.info().ProcessId > 0);
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), ComputeCore.HcsEventOptionNone, new Pointer(42), callback));
        assertTrue(f.write(p.info().StdInput, "go\n"));
        assertEquals("h\u00e9llo \u65e5\u672c", f.readAll(p.info().StdOutput), "stdout, and the environment's non-ASCII value");
        assertEquals("oops", f.readAll(p.info().StdError));
        Event exited = next();
        assertEquals(ComputeCore.HcsEventProcessExited, exited.type());
        JsonNode status = parse(exited.data());
        assertEquals(p.info().ProcessId, status.get("ProcessId").asInt());
        assertTrue(status.get("Exited").asBoolean());
        assertEquals(3, status.get("ExitCode").asInt());
        assertEquals(0, status.get("LastWaitResult").asInt());
        assertEquals(42, Pointer.nativeValue(exited.context()), "the context given with the callback");
        assertNotEquals(Thread.currentThread(), exited.thread(), "events come on a thread of HCS's own");
        f.close(p.info().StdInput);
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void closingStdinThroughModifyEndsTheProcessInputWhileTheCallerStillHoldsItsHandle() {
        Started p = f.process(system, parameters("cat", true, true, false));
        assertFalse(p.info().StdError.isValid(), "no stderr pipe asked for");
        assertTrue(f.write(p.info().StdInput, "abc"));
        try (Utf16 close = Utf16.of("{\"Operation\":\"CloseHandle\",\"CloseHandle\":{\"Handle\":\"StdIn\"}}")) {
            Operations.Result result = f.run(op -> f.core.HcsModifyProcess(p.process(), op, close));
            assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
        }
        assertEquals("abc", f.readAll(p.info().StdOutput));
        assertEquals(0, waitForExit(p).get("ExitCode").asInt(), "cat saw the end of its input");
        assertFalse(f.write(p.info().StdInput, "late"), "writing to a closed stdin fails");
        assertEquals(ComputeCore.Kernel32.ERROR_NO_DATA, Native.getLastError());
        f.close(p.info().StdInput);
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void consoleSignalsAndTerminateEndTheProcessAsTheirLinuxSignals() {
        String[][] cases = {{"{\"Signal\":\"CtrlC\"}", "130"}, {"{\"Signal\":\"CtrlBreak\"}", "131"}, {"{\"Signal\":\"CtrlClose\"}", "129"},
                {"{\"Signal\":\"CtrlShutdown\"}", "143"}, {null, "137"}};
        for (String[] c : cases) {
            Started p = f.process(system, parameters("sleep 100", false, false, false));
            try (Utf16 options = Utf16.of(c[0])) {
                Operations.Result result = f.run(op -> c[0] == null ? f.core.HcsTerminateProcess(p.process(), op, options)
                        : f.core.HcsSignalProcess(p.process(), op, options));
                assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
            }
            assertEquals(Integer.parseInt(c[1]), waitForExit(p).get("ExitCode").asInt(), String.valueOf(c[0]));
            try (Utf16 options = Utf16.of("{\"Signal\":\"CtrlC\"}")) {
                assertEquals(ComputeCore.HCS_E_PROCESS_ALREADY_STOPPED,
                        f.run(op -> f.core.HcsSignalProcess(p.process(), op, options)).hresult());
            }
            assertEquals(ComputeCore.HCS_E_PROCESS_ALREADY_STOPPED,
                    f.run(op -> f.core.HcsTerminateProcess(p.process(), op, Utf16.of(""))).hresult(), "hcsshim's L\"\" is taken too");
            f.core.HcsCloseProcess(p.process());
        }
    }

    @Test
    void theProcessListHoldsTheProcessesAndTheirChildrenAndStatisticsCountTheirTime() throws InterruptedException {
        Started p = f.process(system, parameters("sh -c \"sleep 100 & i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done; echo ready; wait\"",
                false, true, false));
        assertEquals("ready\n", f.readUntil(p.info().StdOutput, "\n"), "its child started and it used some time");
        f.close(p.info().StdOutput);
        Operations.Result result;
        try (Utf16 query = Utf16.of("{\"PropertyTypes\":[\"ProcessList\",\"Statistics\"]}")) {
            result = f.run(op -> f.core.HcsGetComputeSystemProperties(system, op, query));
        }
        assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
        JsonNode properties = parse(result.document());
        assertEquals("Container", properties.get("SystemType").asText());
        assertEquals("Running", properties.get("State").asText());
        List<String> images = new ArrayList<>();
        boolean own = false;
        for (JsonNode process : properties.get("ProcessList")) {
            images.add(process.get("ImageName").asText());
            own |= process.get("ProcessId").asInt() == p.info().ProcessId;
            assertTrue(process.get("CreateTimestamp").asText().endsWith("Z"));
        }
        assertTrue(own, "the created process is listed");
        assertTrue(images.contains("sleep"), () -> "its child is listed: " + images);
        JsonNode statistics = properties.get("Statistics");
        assertTrue(statistics.get("Processor").get("TotalRuntime100ns").asLong() > 0, statistics::toString);
        assertTrue(statistics.get("Uptime100ns").asLong() > 0);
        assertTrue(statistics.get("Memory").get("MemoryUsagePrivateWorkingSetBytes").asLong() > 0);

        assertEquals(ComputeCore.S_OK, f.core.HcsSetComputeSystemCallback(system, ComputeCore.HcsEventOptionNone, null, callback));
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), ComputeCore.HcsEventOptionNone, null, callback));
        Operations.Result terminate = f.run(op -> f.core.HcsTerminateComputeSystem(system, op, null));
        assertEquals(ComputeCore.S_OK, terminate.hresult(), terminate::document);
        Event first = next();
        assertEquals(ComputeCore.HcsEventProcessExited, first.type(), "the process ends before its container");
        assertEquals(137, parse(first.data()).get("ExitCode").asInt());
        Event second = next();
        assertEquals(ComputeCore.HcsEventSystemExited, second.type());
        assertEquals("ForcedExit", parse(second.data()).get("ExitType").asText());
        assertEquals(0, parse(second.data()).get("Status").asInt());
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void aShutDownSendsCtrlShutdownAndEndsGracefully() throws InterruptedException {
        Started p = f.process(system, parameters("sleep 100", false, false, false));
        assertEquals(ComputeCore.S_OK, f.core.HcsSetComputeSystemCallback(system, ComputeCore.HcsEventOptionNone, null, callback));
        Operations.Result result = f.run(op -> f.core.HcsShutDownComputeSystem(system, op, Utf16.of("")));
        assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
        Event exited = next();
        assertEquals(ComputeCore.HcsEventSystemExited, exited.type());
        assertEquals("GracefulExit", parse(exited.data()).get("ExitType").asText());
        assertEquals(143, waitForExit(p).get("ExitCode").asInt());
        PointerByReference status = new PointerByReference();
        assertEquals(ComputeCore.S_OK, f.core.HcsWaitForComputeSystemExit(system, 0, status));
        assertEquals("GracefulExit", parse(Utf16.take(f.kernel32, status)).get("ExitType").asText());
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void theCommandLineIsSplitByTheWindowsRules() {
        // printf [%s] "a b" c\"d "e\\" f\g "" "x""y" as Windows writes it
        String commandLine = "printf [%s] \"a b\" c\\\"d \"e\\\\\" f\\g \"\" \"x\"\"y\"";
        Started p = f.process(system, parameters(commandLine, false, true, false));
        assertEquals("[a b][c\"d][e\\][f\\g][][x\"y]", f.readAll(p.info().StdOutput),
                "quotes group, backslashes escape only before a quote, \"\" is empty, a third quote in a row is literal");
        assertEquals(0, waitForExit(p).get("ExitCode").asInt());
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void anEmulatedConsoleIsATerminalOfTheGivenSizeResizedThroughModify() {
        ObjectNode document = (ObjectNode) parse(parameters("sh -c \"stty size; read go; stty size\"", true, true, true));
        document.put("EmulateConsole", true);
        document.putArray("ConsoleSize").add(30).add(100);
        Started p = f.process(system, document.toString());
        assertFalse(p.info().StdError.isValid(), "a console has no stderr of its own");
        assertEquals("30 100\r\n", f.readUntil(p.info().StdOutput, "\n"), "the size it started with");
        try (Utf16 resize = Utf16.of("{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":40,\"Width\":120}}")) {
            Operations.Result result = f.run(op -> f.core.HcsModifyProcess(p.process(), op, resize));
            assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
        }
        assertTrue(f.write(p.info().StdInput, "go\r"));
        String output = f.readAll(p.info().StdOutput);
        assertTrue(output.endsWith("40 120\r\n"), output);
        assertEquals(0, waitForExit(p).get("ExitCode").asInt());
        f.close(p.info().StdInput);
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void aProcessOpenedByPidThroughASecondSystemHandleIsTerminatedAsHcsshimKills() {
        Started p = f.process(system, parameters("sleep 100", false, true, false));
        String id = parse(f.run(op -> f.core.HcsGetComputeSystemProperties(system, op, null)).document()).get("Id").asText();
        PointerByReference second = new PointerByReference();
        try (Utf16 wide = Utf16.of(id)) {
            assertEquals(ComputeCore.S_OK, f.core.HcsOpenComputeSystem(wide, ComputeCore.GENERIC_ALL, second));
        }
        HCS_SYSTEM other = new HCS_SYSTEM(second.getValue());
        PointerByReference opened = new PointerByReference();
        assertEquals(ComputeCore.S_OK, f.core.HcsOpenProcess(other, p.info().ProcessId, ComputeCore.GENERIC_ALL, opened));
        ComputeCore.HCS_PROCESS process = new ComputeCore.HCS_PROCESS(opened.getValue());
        Operations.Result info = Operations.runWithProcessInfo(f.library, StandInFixture.WAIT_MS, op -> f.core.HcsGetProcessInfo(process, op));
        assertEquals(ComputeCore.S_OK, info.hresult(), info::document);
        assertEquals(p.info().ProcessId, info.processInformation().ProcessId);
        assertFalse(info.processInformation().StdOutput.isValid(), "the pipes went to the creator, once");
        JsonNode running = parse(f.run(op -> f.core.HcsGetProcessProperties(process, op, null)).document());
        assertFalse(running.get("Exited").asBoolean());
        assertEquals(ComputeCore.S_OK, f.run(op -> f.core.HcsTerminateProcess(process, op, Utf16.of(""))).hresult());
        assertEquals("", f.readAll(p.info().StdOutput), "its output ends with it");
        assertEquals(137, waitForExit(p).get("ExitCode").asInt(), "the creator's handle sees the exit");
        JsonNode exited = parse(f.run(op -> f.core.HcsGetProcessProperties(process, op, Utf16.of("{}"))).document());
        assertTrue(exited.get("Exited").asBoolean());
        assertEquals(137, exited.get("ExitCode").asInt());
        f.core.HcsCloseProcess(process);
        f.core.HcsCloseComputeSystem(other);
        f.core.HcsCloseProcess(p.process());
    }

    @Test
    void aCallbackSetAfterTheExitStillGetsTheExitEvent() throws InterruptedException {
        Started p = f.process(system, parameters("sh -c \"exit 7\"", false, false, false));
        assertEquals(7, waitForExit(p).get("ExitCode").asInt());
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), 0, null, callback));
        Event exited = next();
        assertEquals(ComputeCore.HcsEventProcessExited, exited.type());
        assertEquals(7, parse(exited.data()).get("ExitCode").asInt());
        f.core.HcsCloseProcess(p.process());

        assertEquals(ComputeCore.S_OK, f.run(op -> f.core.HcsShutDownComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.S_OK, f.core.HcsSetComputeSystemCallback(system, 0, null, callback));
        Event stopped = next();
        assertEquals(ComputeCore.HcsEventSystemExited, stopped.type());
        assertEquals("GracefulExit", parse(stopped.data()).get("ExitType").asText());
        StandInFixture.awaitQuiet();
        assertEquals(null, events.poll(), "once each");
    }
}
