package io.hatchway.hcs.windows;

import static io.hatchway.hcs.windows.StandInFixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.StandInFixture.Started;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stand-in's answer to each misuse, and its refusal of every name or value schema2 does not have. */
class StandInMisuseTest {
    @TempDir
    Path layer;

    private StandInFixture f;
    private String id;
    /** Held for as long as native code may call it. */
    private final ComputeCore.HCS_EVENT_CALLBACK ignored = (event, context) -> { };

    @BeforeEach
    void library() {
        f = new StandInFixture();
        id = "misuse-" + UUID.randomUUID();
    }

    @AfterEach
    void noLeftovers() {
        StandInFixture.assertNothingOpen();
    }

    private Operations.Result createWith(String document) {
        PointerByReference handle = new PointerByReference();
        try (Utf16 wide = Utf16.of(id); Utf16 configuration = Utf16.of(document)) {
            Operations.Result result = f.run(op -> f.core.HcsCreateComputeSystem(wide, configuration, op, null, handle));
            if (handle.getValue() != null) {
                f.terminateAndClose(new HCS_SYSTEM(handle.getValue()));
            }
            return result;
        }
    }

    private void assertRefused(int hresult, String naming, Operations.Result result) {
        assertEquals(hresult, result.hresult(), result::document);
        assertEquals(hresult, parse(result.document()).get("Error").asInt(), "a ResultError document");
        assertTrue(parse(result.document()).get("ErrorMessage").asText().contains(naming), result::document);
    }

    @Test
    void unknownAndClosedHandlesAreInvalidHandles() {
        HCS_SYSTEM bogusSystem = new HCS_SYSTEM(new Pointer(0x1234));
        HCS_PROCESS bogusProcess = new HCS_PROCESS(new Pointer(0x1234));
        assertEquals(ComputeCore.E_HANDLE, f.run(op -> f.core.HcsStartComputeSystem(bogusSystem, op, null)).hresult());
        assertEquals(ComputeCore.E_HANDLE, f.run(op -> f.core.HcsGetProcessInfo(bogusProcess, op)).hresult());
        assertEquals(ComputeCore.E_HANDLE, f.core.HcsSetComputeSystemCallback(bogusSystem, 0, null, ignored));
        assertEquals(ComputeCore.E_HANDLE, f.core.HcsWaitForProcessExit(bogusProcess, 0, new PointerByReference()));

        HCS_SYSTEM system = f.started(id, layer);
        Started p = f.process(system, "{\"CommandLine\":\"sleep 100\"}");
        f.core.HcsCloseProcess(p.process());
        assertEquals(ComputeCore.E_HANDLE, f.run(op -> f.core.HcsTerminateProcess(p.process(), op, null)).hresult(), "a closed process");
        f.terminateAndClose(system);
        assertEquals(ComputeCore.E_HANDLE, f.run(op -> f.core.HcsStartComputeSystem(system, op, null)).hresult(), "a closed system");
        HCS_OPERATION op = f.core.HcsCreateOperation(null, null);
        f.core.HcsCloseOperation(op);
        assertEquals(ComputeCore.E_HANDLE, f.core.HcsWaitForOperationResult(op, 0, new PointerByReference()), "a closed operation");
        assertEquals(ComputeCore.E_HANDLE, f.core.HcsGetComputeSystemProperties(new HCS_SYSTEM(new Pointer(0x99)), op, null));

        HANDLE pipe = new HANDLE(new Pointer(0));
        assertFalse(f.kernel32.CloseHandle(pipe), "stdin of the test JVM is no pipe HCS gave");
        assertEquals(ComputeCore.Kernel32.ERROR_INVALID_HANDLE, Native.getLastError());
        try (Memory buffer = new Memory(8)) {
            assertFalse(f.kernel32.ReadFile(pipe, buffer, 8, new IntByReference(), null));
            assertEquals(ComputeCore.Kernel32.ERROR_INVALID_HANDLE, Native.getLastError());
        }
    }

    @Test
    void callsInTheWrongStateAreRefused() {
        HCS_SYSTEM system = f.create(id, StandInFixture.containerDocument("misuse", layer));
        assertEquals(ComputeCore.HCS_E_INVALID_STATE, f.run(op -> f.core.HcsCreateProcess(system, Utf16.of("{\"CommandLine\":\"true\"}"), op, null,
                new PointerByReference())).hresult(), "a process in a container not started");
        assertEquals(ComputeCore.S_OK, f.run(op -> f.core.HcsStartComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.HCS_E_INVALID_STATE, f.run(op -> f.core.HcsStartComputeSystem(system, op, null)).hresult(), "started twice");
        PointerByReference other = new PointerByReference();
        try (Utf16 wide = Utf16.of(id)) {
            assertEquals(ComputeCore.HCS_E_SYSTEM_ALREADY_EXISTS, f.run(op -> f.core.HcsCreateComputeSystem(wide,
                    Utf16.of(StandInFixture.containerDocument("misuse", layer)), op, null, other)).hresult());
            assertNull(other.getValue());
            assertEquals(ComputeCore.E_INVALIDARG, f.core.HcsOpenComputeSystem(wide, 0, other), "requestedAccess must be GENERIC_ALL");
        }
        try (Utf16 missing = Utf16.of("no-such-system")) {
            assertEquals(ComputeCore.HCS_E_SYSTEM_NOT_FOUND, f.core.HcsOpenComputeSystem(missing, ComputeCore.GENERIC_ALL, other));
        }
        assertEquals(ComputeCore.E_NOT_FOUND, f.core.HcsOpenProcess(system, 1, ComputeCore.GENERIC_ALL, other), "pid 1 is no process of it");
        assertEquals(ComputeCore.E_FILE_NOT_FOUND, f.run(op -> f.core.HcsCreateProcess(system,
                Utf16.of("{\"CommandLine\":\"no-such-program-anywhere\"}"), op, null, other)).hresult());
        assertEquals(ComputeCore.E_DIRECTORY, f.run(op -> f.core.HcsCreateProcess(system,
                Utf16.of("{\"CommandLine\":\"true\",\"WorkingDirectory\":\"/no/such/dir\"}"), op, null, other)).hresult());
        assertEquals(ComputeCore.E_INVALIDARG, f.run(op -> f.core.HcsCreateProcess(system, Utf16.of("{\"CommandLine\":\"true\"}"), op,
                new Pointer(8), other)).hresult(), "a security descriptor");

        Started p = f.process(system, "{\"CommandLine\":\"true\"}");
        assertEquals(ComputeCore.S_OK, f.core.HcsWaitForProcessExit(p.process(), StandInFixture.WAIT_MS, null));
        assertEquals(ComputeCore.E_NOT_FOUND, f.core.HcsOpenProcess(system, p.info().ProcessId, ComputeCore.GENERIC_ALL, other),
                "an exited process is gone");
        assertEquals(ComputeCore.HCS_E_PROCESS_ALREADY_STOPPED, f.run(op -> f.core.HcsModifyProcess(p.process(), op,
                Utf16.of("{\"Operation\":\"CloseHandle\",\"CloseHandle\":{\"Handle\":\"StdIn\"}}"))).hresult());
        assertEquals(ComputeCore.E_INVALIDARG, f.run(op -> f.core.HcsTerminateProcess(p.process(), op, Utf16.of("{\"Force\":true}")))
                .hresult(), "terminate's options are reserved");
        assertEquals(ComputeCore.S_OK, f.core.HcsSetProcessCallback(p.process(), 0, null, ignored));
        assertEquals(ComputeCore.HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET, f.core.HcsSetProcessCallback(p.process(), 0, null, ignored));
        f.core.HcsCloseProcess(p.process());

        assertEquals(ComputeCore.HCS_E_OPERATION_TIMEOUT, f.core.HcsWaitForComputeSystemExit(system, 50, null));
        assertEquals(ComputeCore.S_OK, f.run(op -> f.core.HcsTerminateComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.HCS_E_SYSTEM_ALREADY_STOPPED, f.run(op -> f.core.HcsTerminateComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.HCS_E_SYSTEM_ALREADY_STOPPED, f.run(op -> f.core.HcsShutDownComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.HCS_E_SYSTEM_ALREADY_STOPPED, f.run(op -> f.core.HcsStartComputeSystem(system, op, null)).hresult());
        assertEquals(ComputeCore.HCS_E_SYSTEM_ALREADY_STOPPED, f.run(op -> f.core.HcsCreateProcess(system, Utf16.of("{\"CommandLine\":\"true\"}"),
                op, null, other)).hresult());
        f.core.HcsCloseComputeSystem(system);
        try (Utf16 wide = Utf16.of(id)) {
            assertEquals(ComputeCore.HCS_E_SYSTEM_NOT_FOUND, f.core.HcsOpenComputeSystem(wide, ComputeCore.GENERIC_ALL, other),
                    "a stopped system is gone with its last handle");
        }
    }

    @Test
    void everyDocumentIsCheckedAgainstSchema2() {
        String good = StandInFixture.containerDocument("misuse", layer);
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Contianer: unknown field", createWith(good.replace("\"Container\"", "\"Contianer\"")));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Storage.Layers[0].Paht: unknown field", createWith(good.replace("\"Path\"", "\"Paht\"")));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "SchemaVersion", createWith(good.replace("\"Major\":2", "\"Major\":1")));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "ShouldTerminateOnLastHandleClosed: not a boolean",
                createWith(good.replace(":true", ":\"yes\"")));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "not JSON", createWith("{\"Owner\":"));
        assertRefused(ComputeCore.E_PATH_NOT_FOUND, "no such directory", createWith(StandInFixture.containerDocument("m", layer.resolve("gone"))));

        HCS_SYSTEM system = f.started(id, layer);
        Started p = f.process(system, "{\"CommandLine\":\"sleep 100\"}");
        PointerByReference handle = new PointerByReference();
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Commandline: unknown field",
                f.run(op -> f.core.HcsCreateProcess(system, Utf16.of("{\"Commandline\":\"true\"}"), op, null, handle)));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "ConsoleSize[1]: not an integer in range",
                f.run(op -> f.core.HcsCreateProcess(system, Utf16.of("{\"CommandLine\":\"true\",\"ConsoleSize\":[24,70000]}"), op, null,
                        handle)));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Signal: no such value: CtrlZ",
                f.run(op -> f.core.HcsSignalProcess(p.process(), op, Utf16.of("{\"Signal\":\"CtrlZ\"}"))));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Signal: not a string",
                f.run(op -> f.core.HcsSignalProcess(p.process(), op, Utf16.of("{\"Signal\":15}"))));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Handle: no such value: Stdin", f.run(op -> f.core.HcsModifyProcess(p.process(), op,
                Utf16.of("{\"Operation\":\"CloseHandle\",\"CloseHandle\":{\"Handle\":\"Stdin\"}}"))));
        assertRefused(ComputeCore.E_INVALIDARG, "the process has no console", f.run(op -> f.core.HcsModifyProcess(p.process(), op,
                Utf16.of("{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":40,\"Width\":100}}"))));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "PropertyTypes[0]: no such value: Stats",
                f.run(op -> f.core.HcsGetComputeSystemProperties(system, op, Utf16.of("{\"PropertyTypes\":[\"Stats\"]}"))));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Owner: unknown field",
                f.run(op -> f.core.HcsEnumerateComputeSystems(Utf16.of("{\"Owner\":[\"x\"]}"), op)));
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "RequestType: no such value: Insert", f.run(op -> f.core.HcsModifyComputeSystem(system,
                op, Utf16.of("{\"ResourcePath\":\"Container/MappedDirectories\",\"RequestType\":\"Insert\"}"), null)));
        String mapped = "{\"ResourcePath\":\"Container/MappedDirectories\",\"RequestType\":\"Add\",\"Settings\":{\"HostPath\":"
                + StandInFixture.quote(layer.toString()) + ",\"ContainerPath\":\"C:\\\\data\",\"ReadOnly\":true}}";
        assertEquals(ComputeCore.S_OK, f.run(op -> f.core.HcsModifyComputeSystem(system, op, Utf16.of(mapped), null)).hresult());
        assertRefused(ComputeCore.HCS_E_INVALID_JSON, "Settings.ReadOnly: not a boolean", f.run(op -> f.core.HcsModifyComputeSystem(system,
                op, Utf16.of(mapped.replace(":true", ":1")), null)));
        f.core.HcsCloseProcess(p.process());
        f.terminateAndClose(system);
    }
}
