package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcDirTest {
    /** One linux_dirent64 record, padded to 8 bytes as the kernel does. */
    private static void record(ByteBuffer out, long inode, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        int length = (19 + bytes.length + 1 + 7) & ~7;
        int at = out.position();
        out.putLong(inode).putLong(0).putShort((short) length).put((byte) 4).put(bytes).put((byte) 0);
        out.position(at + length);
    }

    @Test
    void takesTheProcessesAndTheirInodesAndSkipsEverythingElse() {
        ByteBuffer buffer = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        record(buffer, 1, ".");
        record(buffer, 4026531842L, "1");
        record(buffer, 77, "self");
        record(buffer, 78, "2a");
        record(buffer, 123456789012L, "4194304");
        record(buffer, 79, "sys");
        buffer.flip();
        Map<Integer, Long> seen = new LinkedHashMap<>();

        ProcDir.parse(buffer, seen::put);

        assertEquals(Map.of(1, 4026531842L, 4194304, 123456789012L), seen);
    }

    @Test
    void listsThisJvm() {
        Map<Integer, Long> seen = new LinkedHashMap<>();
        assertTrue(ProcDir.list(seen::put));
        assertTrue(seen.containsKey((int) ProcessHandle.current().pid()));
        assertTrue(seen.size() > 1, "pid 1 and this JVM at least");
    }
}
