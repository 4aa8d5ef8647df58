package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The latest lines of a kept stream, as the Exec MBean's {@code StdoutLines} shows them. */
class OutputLogTest {
    @TempDir
    Path dir;

    private String[] lastLines(String written, int count, long cap) throws IOException {
        Path file = dir.resolve("stdout.log");
        Files.writeString(file, written);
        return new OutputLog(file, cap).lastLines(count);
    }

    @Test
    void newestLastWithoutLineEnds() throws IOException {
        assertArrayEquals(new String[] {"b", "c"}, lastLines("a\nb\nc\n", 2, 1024));
        assertArrayEquals(new String[] {"a", "b", "c"}, lastLines("a\nb\nc\n", 5, 1024));
        assertArrayEquals(new String[] {"b", "", "c"}, lastLines("a\nb\n\nc\n", 3, 1024));
        assertArrayEquals(new String[] {"b", "c"}, lastLines("a\r\nb\r\nc\r\n", 2, 1024));
    }

    @Test
    void aLineStillBeingWrittenIsTheLast() throws IOException {
        assertArrayEquals(new String[] {"b", "half"}, lastLines("a\nb\nhalf", 2, 1024));
    }

    @Test
    void nothingWrittenOrNoFileIsNoLine() throws IOException {
        assertArrayEquals(new String[0], lastLines("", 100, 1024));
        assertArrayEquals(new String[0], new OutputLog(dir.resolve("missing.log"), 1024).lastLines(100));
        assertArrayEquals(new String[] {""}, lastLines("\n", 100, 1024));
    }

    @Test
    void onlyTheKeptBytesAreRead() throws IOException {
        String written = IntStream.range(0, 1000).mapToObj(i -> "line-" + i + "\n").reduce("", String::concat);
        String[] lines = lastLines(written, 100, 1 << 20);
        assertArrayEquals(IntStream.range(900, 1000).mapToObj(i -> "line-" + i).toArray(String[]::new), lines);
        // 20 bytes kept: the first line is cut at its start
        assertArrayEquals(new String[] {"7", "line-998", "line-999"}, lastLines(written, 100, 20));
    }
}
