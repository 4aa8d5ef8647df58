package io.hatchway.hcs.windows;

import static io.hatchway.hcs.windows.StandInFixture.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS_INFORMATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binding itself: the x64 layouts of its structures, UTF-16LE strings built and read by hand,
 * round trips of non-ASCII, long and empty strings through real calls, and result documents owned
 * by the caller until LocalFree.
 */
class ComputeCoreBindingTest {
    @TempDir
    Path layer;

    private final List<HCS_SYSTEM> systems = new ArrayList<>();

    @AfterEach
    void noLeftovers() {
        if (!systems.isEmpty()) {
            StandInFixture f = new StandInFixture();
            systems.forEach(f::terminateAndClose);
            StandInFixture.assertNothingOpen();
        }
    }

    @Test
    void structuresHaveTheX64Layout() {
        HCS_PROCESS_INFORMATION info = new HCS_PROCESS_INFORMATION();
        assertEquals(32, info.size());
        info.ProcessId = 0x11111111;
        info.Reserved = 0x22222222;
        info.StdInput = new HANDLE(new Pointer(0x3333333333L));
        info.StdOutput = new HANDLE(new Pointer(0x4444444444L));
        info.StdError = new HANDLE(new Pointer(0x5555555555L));
        info.write();
        Pointer raw = info.getPointer();
        assertEquals(List.of(0x11111111L, 0x22222222L, 0x3333333333L, 0x4444444444L, 0x5555555555L), List.of((long) raw.getInt(0),
                (long) raw.getInt(4), raw.getLong(8), raw.getLong(16), raw.getLong(24)), "offsets 0, 4, 8, 16, 24");
        HCS_EVENT event = new HCS_EVENT();
        assertEquals(24, event.size());
        event.Type = ComputeCore.HcsEventProcessExited;
        event.EventData = new Pointer(0x6666666666L);
        event.Operation = new HCS_OPERATION(new Pointer(0x7777777777L));
        event.write();
        raw = event.getPointer();
        assertEquals(List.of((long) ComputeCore.HcsEventProcessExited, 0x6666666666L, 0x7777777777L),
                List.of((long) raw.getInt(0), raw.getLong(8), raw.getLong(16)), "offsets 0, 8, 16");
        HCS_EVENT read = new HCS_EVENT(raw);
        assertEquals(0x7777777777L, Pointer.nativeValue(read.Operation.getPointer()));
    }

    @Test
    void withoutTheLibraryTheLoaderSaysWhyInsteadOfThrowing() throws IOException {
        assertTrue(((String) HcsLibrary.load(false, null)).contains("only on Windows"));
        assertTrue(((String) HcsLibrary.load(false, "libcomputecore.so")).contains("absolute path"));
        Path junk = Files.writeString(layer.resolve("libjunk.so"), "not a library");
        assertTrue(((String) HcsLibrary.load(false, junk.toString())).startsWith("cannot load " + junk), "says which file");
        Path other = Path.of(System.getProperty("java.home"), "lib", "libjava.so");
        if (Files.exists(other)) {
            assertTrue(((String) HcsLibrary.load(false, other.toString())).contains("Hcs"), "a library without the exports is refused");
        }
    }

    @Test
    void stringsAreUtf16LittleEndianWithATwoByteNul() {
        try (Utf16 empty = Utf16.of(""); Utf16 text = Utf16.of("\u00e9\ud83d\ude00")) {
            assertArrayEquals(new byte[] {0, 0}, empty.getByteArray(0, (int) empty.size()));
            assertArrayEquals(new byte[] {(byte) 0xe9, 0, 0x3d, (byte) 0xd8, 0x00, (byte) 0xde, 0, 0},
                    text.getByteArray(0, (int) text.size()));
            assertEquals("\u00e9\ud83d\ude00", Utf16.read(text));
            assertEquals("", Utf16.read(empty));
        }
        assertNull(Utf16.of(null));
        assertNull(Utf16.read(null));
    }

    @Test
    void nonAsciiAndLongStringsRoundTripThroughCreateEnumerateOpenAndProperties() {
        StandInFixture f = new StandInFixture();
        String owner = "propri\u00e9taire-\u65e5\u672c-\ud83d\ude00";
        String accented = "t\u00e2che-\u00fc\u00df-\u65e5\u672c\u8a9e-\ud83d\udc33";
        String longId = "long-" + "\u0436\ud83d\ude80x".repeat(1500);
        for (String id : List.of(accented, longId)) {
            systems.add(f.create(id, StandInFixture.containerDocument(owner, layer)));
        }
        try (Utf16 query = Utf16.of("{\"Owners\":[" + StandInFixture.quote(owner) + "]}")) {
            Operations.Result listed = f.run(op -> f.core.HcsEnumerateComputeSystems(query, op));
            assertEquals(ComputeCore.S_OK, listed.hresult(), listed::document);
            List<String> ids = new ArrayList<>();
            for (JsonNode system : parse(listed.document())) {
                ids.add(system.get("Id").asText());
                assertEquals(owner, system.get("Owner").asText());
            }
            assertEquals(List.of(accented, longId).stream().sorted().toList(), ids.stream().sorted().toList());
        }
        for (String id : List.of(accented, longId)) {
            PointerByReference opened = new PointerByReference();
            try (Utf16 wide = Utf16.of(id)) {
                assertEquals(ComputeCore.S_OK, f.core.HcsOpenComputeSystem(wide, ComputeCore.GENERIC_ALL, opened));
            }
            HCS_SYSTEM handle = new HCS_SYSTEM(opened.getValue());
            JsonNode properties = parse(f.run(op -> f.core.HcsGetComputeSystemProperties(handle, op, Utf16.of(""))).document());
            assertEquals(id, properties.get("Id").asText());
            assertEquals("Created", properties.get("State").asText());
            f.core.HcsCloseComputeSystem(handle);
        }
        try (Utf16 empty = Utf16.of(""); Utf16 document = Utf16.of(StandInFixture.containerDocument("x", layer))) {
            PointerByReference handle = new PointerByReference();
            Operations.Result refused = f.run(op -> f.core.HcsCreateComputeSystem(empty, document, op, null, handle));
            assertEquals(ComputeCore.E_INVALIDARG, refused.hresult(), "an empty id arrives empty");
            assertNull(handle.getValue());
        }
    }

    @Test
    void resultDocumentsBelongToTheCallerUntilLocalFree() {
        StandInFixture f = new StandInFixture();
        HCS_SYSTEM system = f.create("documents", StandInFixture.containerDocument("", layer));
        systems.add(system);
        HCS_OPERATION op = f.core.HcsCreateOperation(null, null);
        assertEquals(ComputeCore.S_OK, f.core.HcsGetComputeSystemProperties(system, op, null));
        PointerByReference first = new PointerByReference();
        PointerByReference second = new PointerByReference();
        assertEquals(ComputeCore.S_OK, f.core.HcsWaitForOperationResult(op, StandInFixture.WAIT_MS, first));
        assertEquals(ComputeCore.S_OK, f.core.HcsGetOperationResult(op, second));
        f.core.HcsCloseOperation(op);
        assertEquals(2, StandInFixture.snapshot()[StandInFixture.DOCUMENTS], "each answer is a document of its own");
        assertFalse(parse(Utf16.read(first.getValue())).has("Owner"), "an empty owner is no owner");
        assertNull(f.kernel32.LocalFree(first.getValue()));
        assertEquals("documents", parse(Utf16.take(f.kernel32, second)).get("Id").asText());
        assertEquals(0, StandInFixture.snapshot()[StandInFixture.DOCUMENTS]);
        Pointer stale = first.getValue();
        assertEquals(stale, f.kernel32.LocalFree(stale), "a document freed twice is refused");
        assertEquals(ComputeCore.Kernel32.ERROR_INVALID_HANDLE, Native.getLastError());
        assertTrue(HcsLibrary.unavailableReason() == null);
    }
}
