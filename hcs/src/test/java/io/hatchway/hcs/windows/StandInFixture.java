package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.linux.Jna;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS_INFORMATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.ToIntFunction;
import org.awaitility.Awaitility;

/**
 * The binding tests' access to the stand-in: the loaded library (tests skip with the loader's
 * reason without it), its test-only counts, and short ways to make a started container and its
 * processes through the real binding.
 */
final class StandInFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int WAIT_MS = 10_000;

    /** The stand-in's test-only exports. */
    interface Counts extends Library {
        int StandInCounts(int[] counts, int length);

        int StandInOpenHandles();
    }

    /** Indexes of {@link Counts#StandInCounts}. */
    static final int OPERATIONS = 0, SYSTEMS = 1, PROCESSES = 2, PIPES = 3, DOCUMENTS = 4, ALIVE = 5, LIVE_SYSTEMS = 6, THREADS = 7;

    private static Counts counts;

    final HcsLibrary library;
    final ComputeCore core;
    final ComputeCore.Kernel32 kernel32;

    StandInFixture() {
        assumeTrue(HcsLibrary.get().isPresent(), () -> HcsLibrary.unavailableReason()
                + " (hcs's test build compiles the stand-in with gcc and libcjson-dev)");
        library = HcsLibrary.get().orElseThrow();
        core = library.core();
        kernel32 = library.kernel32();
    }

    static synchronized Counts counts() {
        if (counts == null) {
            counts = Jna.load(System.getProperty(HcsLibrary.LIBRARY_PROPERTY), Counts.class);
        }
        return counts;
    }

    static int[] snapshot() {
        int[] values = new int[8];
        counts().StandInCounts(values, values.length);
        return values;
    }

    /**
     * Every process reaped and every stand-in thread ended (bounded), then nothing the caller must
     * close is left open: operations, system and process handles, pipes, result documents.
     */
    static void assertNothingOpen() {
        awaitQuiet();
        int[] left = snapshot();
        assertArrayEquals(new int[] {0, 0, 0, 0, 0}, Arrays.copyOf(left, 5),
                "operations, system handles, process handles, pipes, documents left open: " + Arrays.toString(left));
    }

    /** Every process reaped and every stand-in thread ended (so every callback that could come came), bounded. */
    static void awaitQuiet() {
        Awaitility.await("the stand-in's processes reaped and threads ended").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> snapshot()[ALIVE] == 0 && snapshot()[THREADS] == 0);
    }

    /** {@code call} through {@link Operations#run}, infinite timeouts being bounded here. */
    Operations.Result run(ToIntFunction<HCS_OPERATION> call) {
        return Operations.run(library, WAIT_MS, call);
    }

    /** A container document with the given layer folders and owner. */
    static String containerDocument(String owner, Path... layers) {
        StringBuilder json = new StringBuilder("{\"Owner\":").append(quote(owner))
                .append(",\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"ShouldTerminateOnLastHandleClosed\":true,")
                .append("\"Container\":{\"Storage\":{\"Layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"Id\":\"").append(UUID.randomUUID()).append("\",\"Path\":")
                    .append(quote(layers[i].toString())).append('}');
        }
        return json.append("]}}}").toString();
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a compute system; asserts success. */
    HCS_SYSTEM create(String id, String document) {
        PointerByReference handle = new PointerByReference();
        try (Utf16 wideId = Utf16.of(id); Utf16 configuration = Utf16.of(document)) {
            Operations.Result result = run(op -> core.HcsCreateComputeSystem(wideId, configuration, op, null, handle));
            assertEquals(ComputeCore.S_OK, result.hresult(), () -> "create: " + result.document());
        }
        assertNotNull(handle.getValue());
        return new HCS_SYSTEM(handle.getValue());
    }

    /** Creates and starts a container on one layer folder. */
    HCS_SYSTEM started(String id, Path layer) {
        HCS_SYSTEM system = create(id, containerDocument("binding-test", layer));
        Operations.Result start = run(op -> core.HcsStartComputeSystem(system, op, null));
        assertEquals(ComputeCore.S_OK, start.hresult(), start::document);
        return system;
    }

    /** A started process and the pipes it was given. */
    record Started(HCS_PROCESS process, HCS_PROCESS_INFORMATION info) {
    }

    Started process(HCS_SYSTEM system, String parameters) {
        PointerByReference handle = new PointerByReference();
        try (Utf16 document = Utf16.of(parameters)) {
            Operations.Result result = Operations.runWithProcessInfo(library, WAIT_MS,
                    op -> core.HcsCreateProcess(system, document, op, null, handle));
            assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
            return new Started(new HCS_PROCESS(handle.getValue()), result.processInformation());
        }
    }

    /** Everything read from {@code pipe} until its end (ERROR_BROKEN_PIPE), as UTF-8; the handle is closed. */
    String readAll(HANDLE pipe) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Memory buffer = new Memory(4096)) {
            IntByReference read = new IntByReference();
            while (kernel32.ReadFile(pipe, buffer, (int) buffer.size(), read, null)) {
                out.write(buffer.getByteArray(0, read.getValue()), 0, read.getValue());
            }
            assertEquals(ComputeCore.Kernel32.ERROR_BROKEN_PIPE, Native.getLastError(), "a pipe ends with ERROR_BROKEN_PIPE");
        }
        close(pipe);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What {@code pipe} gives up to and including {@code end}, read a byte at a time, as UTF-8. */
    String readUntil(HANDLE pipe, String end) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Memory buffer = new Memory(1)) {
            IntByReference read = new IntByReference();
            while (!out.toString(StandardCharsets.UTF_8).endsWith(end)) {
                assertEquals(true, kernel32.ReadFile(pipe, buffer, 1, read, null), () -> "ended before " + end + ": " + out);
                out.write(buffer.getByte(0));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    boolean write(HANDLE pipe, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Memory buffer = new Memory(bytes.length)) {
            buffer.write(0, bytes, 0, bytes.length);
            IntByReference written = new IntByReference();
            boolean ok = kernel32.WriteFile(pipe, buffer, bytes.length, written, null);
            if (ok) {
                assertEquals(bytes.length, written.getValue());
            }
            return ok;
        }
    }

    void close(HANDLE pipe) {
        if (pipe != null && pipe.isValid()) {
            assertEquals(true, kernel32.CloseHandle(pipe), "CloseHandle");
        }
    }

    /** Terminates (if still running) and closes a system. */
    void terminateAndClose(HCS_SYSTEM system) {
        Operations.Result result = run(op -> core.HcsTerminateComputeSystem(system, op, null));
        if (result.hresult() != ComputeCore.HCS_E_SYSTEM_ALREADY_STOPPED) {
            assertEquals(ComputeCore.S_OK, result.hresult(), result::document);
        }
        core.HcsCloseComputeSystem(system);
    }
}
