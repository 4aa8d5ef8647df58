package io.hatchway.hcs.runc.cgroup;

import static io.hatchway.hcs.runc.cgroup.CgroupFiles.readKeyed;
import static io.hatchway.hcs.runc.cgroup.CgroupFiles.readLong;

import io.hatchway.hcs.linux.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A cgroup's figures from cgroup v1 controller directories, one controller each. Stateless. */
final class CgroupV1 {
    /** v1 reports "no limit" as a huge page-aligned number. */
    private static final long UNLIMITED = 1L << 62;
    /** The blkio files with bytes per device and operation, best first (throttle counts every device). */
    private static final List<String> BLKIO_BYTES = List.of("blkio.throttle.io_service_bytes_recursive",
            "blkio.throttle.io_service_bytes", "blkio.io_service_bytes_recursive");

    private CgroupV1() {
    }

    /** From {@code cpuacct.usage_user}/{@code _sys} (ns), else {@code cpuacct.stat} (clock ticks). */
    static Figures.Cpu cpu(Path cpuacct) throws IOException {
        if (Files.exists(cpuacct.resolve("cpuacct.usage_user"))) {
            return new Figures.Cpu(readLong(cpuacct.resolve("cpuacct.usage_user")) / 100,
                    readLong(cpuacct.resolve("cpuacct.usage_sys")) / 100);
        }
        Map<String, Long> stat = readKeyed(cpuacct.resolve("cpuacct.stat"));
        return new Figures.Cpu(ProcFs.ticksTo100ns(stat.getOrDefault("user", 0L)),
                ProcFs.ticksTo100ns(stat.getOrDefault("system", 0L)));
    }

    /** Usage, limit, and as commit the resident set plus swap of the whole subtree ({@code total_}) where given. */
    static Figures.Memory memory(Path memory) throws IOException {
        long usage = readLong(memory.resolve("memory.usage_in_bytes"));
        long limit = readLong(memory.resolve("memory.limit_in_bytes"));
        Map<String, Long> stat = readKeyed(memory.resolve("memory.stat"));
        long commit = stat.getOrDefault("total_rss", stat.getOrDefault("rss", 0L))
                + stat.getOrDefault("total_swap", stat.getOrDefault("swap", 0L));
        return new Figures.Memory(usage, commit, limit >= UNLIMITED ? 0 : limit);
    }

    /** The {@code Read} and {@code Write} lines of the first blkio bytes file there, summed over devices. */
    static Figures.Storage storage(Path blkio) throws IOException {
        for (String name : BLKIO_BYTES) {
            Path file = blkio.resolve(name);
            if (Files.exists(file)) {
                long read = 0;
                long write = 0;
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.strip().split(" ");
                    if (f.length == 3 && f[1].equals("Read")) {
                        read += Long.parseLong(f[2]);
                    } else if (f.length == 3 && f[1].equals("Write")) {
                        write += Long.parseLong(f[2]);
                    }
                }
                return new Figures.Storage(read, write);
            }
        }
        return Figures.Storage.NONE;
    }
}
