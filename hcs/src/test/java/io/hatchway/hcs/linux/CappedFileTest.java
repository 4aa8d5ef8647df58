package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capped file holds at most its cap on disk at every write, and keeps the newest bytes. */
class CappedFileTest {
    private static final long CAP = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void punchesHolesSoThatOnlyTheNewestCapStaysOnDisk() throws Exception {
        Path file = dir.resolve("out.log");
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try (CappedFile capped = CappedFile.open(file, CAP)) {
            for (int i = 0; i < 2000; i++) {
                write(capped, written, "line " + i + " " + "x".repeat(i % 97) + "\n");
                if (i % 50 == 0) {
                    assertTrue(allocated(file) <= CAP + CappedFile.BLOCK, "at write " + i + ": " + allocated(file));
                }
            }
        }
        byte[] all = written.toByteArray();
        assertEquals(all.length, Files.size(file), "the file keeps its size, the old part a hole");
        assertArrayEquals(Arrays.copyOfRange(all, all.length - (int) CAP, all.length), tail(file, CAP),
                "the newest cap bytes, whole");
    }

    @Test
    void rotatesWithoutACopyWhereHolesCannotBePunched() throws Exception {
        Path file = dir.resolve("out.log");
        Path older = dir.resolve("out.log.1");
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try (CappedFile capped = CappedFile.open(file, CAP).rotating()) {
            for (int i = 0; i < 20000; i++) {
                write(capped, written, "line " + i + "\n");
                assertTrue(Files.size(file) + (Files.exists(older) ? Files.size(older) : 0) <= CAP, "at write " + i);
            }
        }
        byte[] kept = (Files.readString(older) + Files.readString(file)).getBytes(StandardCharsets.UTF_8);
        byte[] all = written.toByteArray();
        assertTrue(kept.length >= CAP / 2, "at least half the cap is kept: " + kept.length);
        assertArrayEquals(Arrays.copyOfRange(all, all.length - kept.length, all.length), kept, "the newest bytes");
    }

    private static void write(CappedFile capped, ByteArrayOutputStream written, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Memory memory = new Memory(bytes.length)) {
            memory.write(0, bytes, 0, bytes.length);
            capped.write(memory, bytes.length);
        }
        written.writeBytes(bytes);
    }

    private static byte[] tail(Path file, long count) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return Arrays.copyOfRange(all, (int) (all.length - count), all.length);
    }

    /** The bytes the file holds on disk (holes not counted). */
    private static long allocated(Path file) throws IOException, InterruptedException {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        String[] out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(0, stat.waitFor());
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
