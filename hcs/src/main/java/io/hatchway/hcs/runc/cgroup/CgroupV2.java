package io.hatchway.hcs.runc.cgroup;

import static io.hatchway.hcs.runc.cgroup.CgroupFiles.readKeyed;
import static io.hatchway.hcs.runc.cgroup.CgroupFiles.readLong;
import static io.hatchway.hcs.runc.cgroup.CgroupFiles.readMax;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A cgroup's figures from its cgroup v2 (unified) directory. A controller not enabled there has
 * no files: its figures are zero. Stateless.
 */
final class CgroupV2 {
    private CgroupV2() {
    }

    /** {@code user_usec} and {@code system_usec} of {@code cpu.stat}. */
    static Figures.Cpu cpu(Path dir) throws IOException {
        Path stat = dir.resolve("cpu.stat");
        if (!Files.exists(stat)) {
            return Figures.Cpu.NONE;
        }
        Map<String, Long> figures = readKeyed(stat);
        return new Figures.Cpu(figures.getOrDefault("user_usec", 0L) * 10, figures.getOrDefault("system_usec", 0L) * 10);
    }

    /** {@code memory.current}, {@code memory.max}, and as commit anonymous memory plus swap. */
    static Figures.Memory memory(Path dir) throws IOException {
        if (!Files.exists(dir.resolve("memory.current"))) {
            return Figures.Memory.NONE;
        }
        Path swap = dir.resolve("memory.swap.current");
        long commit = readKeyed(dir.resolve("memory.stat")).getOrDefault("anon", 0L)
                + (Files.exists(swap) ? readLong(swap) : 0);
        return new Figures.Memory(readLong(dir.resolve("memory.current")), commit, readMax(dir.resolve("memory.max")));
    }

    /** {@code rbytes} and {@code wbytes} of {@code io.stat}, summed over devices. */
    static Figures.Storage storage(Path dir) throws IOException {
        Path stat = dir.resolve("io.stat");
        if (!Files.exists(stat)) {
            return Figures.Storage.NONE;
        }
        long read = 0;
        long write = 0;
        for (String line : Files.readAllLines(stat)) {
            for (String field : line.split(" ")) {
                if (field.startsWith("rbytes=")) {
                    read += Long.parseLong(field.substring(7));
                } else if (field.startsWith("wbytes=")) {
                    write += Long.parseLong(field.substring(7));
                }
            }
        }
        return new Figures.Storage(read, write);
    }
}
