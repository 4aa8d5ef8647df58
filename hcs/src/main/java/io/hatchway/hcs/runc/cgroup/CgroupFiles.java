package io.hatchway.hcs.runc.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** How cgroup interface files read, in both versions: one number, a number or {@code max}, {@code key value} lines. */
final class CgroupFiles {
    private CgroupFiles() {
    }

    static long readLong(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }

    /** A limit file: 0 for {@code max} or a missing file (no limit). */
    static long readMax(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        String text = Files.readString(file).strip();
        return text.equals("max") ? 0 : Long.parseLong(text);
    }

    /** The numeric {@code key value} lines of a flat keyed file ({@code cpu.stat}, {@code memory.stat}). */
    static Map<String, Long> readKeyed(Path file) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.strip().split(" ");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException e) { // not a number: not a figure we read
                }
            }
        }
        return out;
    }

    /** {@code pids.current} and {@code pids.max} of a pids controller directory (the same in both versions). */
    static Figures.Pids pids(Path dir) throws IOException {
        return new Figures.Pids(readLong(dir.resolve("pids.current")), readMax(dir.resolve("pids.max")));
    }
}
