package io.hatchway.hcs.runc.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.linux.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cgroup's figures read from fixture files shaped as the kernel writes them, in a temporary
 * tree standing for {@code /sys/fs/cgroup}: v1 controllers, the unified v2 hierarchy, and a hybrid
 * host (v1 wins where it has the controller). No root, no real cgroup.
 */
class CgroupStatisticsTest {
    private static final String CGROUP = "/hatchway/k-t";
    @TempDir
    Path root;

    private Path write(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), text);
        return dir;
    }

    /** A v1 tree: cpuacct, memory, blkio, pids; each controller at its own mount point. */
    private Map<String, Path> v1Tree() throws IOException {
        Path cpu = root.resolve("cpu,cpuacct");
        Path memory = root.resolve("memory");
        Path blkio = root.resolve("blkio");
        Path pids = root.resolve("pids");
        Path c = cpu.resolve("hatchway/k-t");
        write(c, "cpuacct.usage_user", "1500000000\n");
        write(c, "cpuacct.usage_sys", "250000000\n");
        Path m = memory.resolve("hatchway/k-t");
        write(m, "memory.usage_in_bytes", "8388608\n");
        write(m, "memory.limit_in_bytes", "9223372036854771712\n");
        write(m, "memory.stat", "cache 4096\nrss 1000\nswap 0\ntotal_cache 4096\ntotal_rss 2097152\ntotal_swap 4096\n");
        write(blkio.resolve("hatchway/k-t"), "blkio.throttle.io_service_bytes_recursive",
                "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Total 12288\n"
                        + "8:16 Read 1024\n8:16 Write 0\nTotal 13312\n");
        Path p = pids.resolve("hatchway/k-t");
        write(p, "pids.current", "3\n");
        write(p, "pids.max", "max\n");
        write(p, "cgroup.procs", "10\n11\n12\n");
        return Map.of("cpuacct", cpu, "cpu", cpu, "memory", memory, "blkio", blkio, "pids", pids);
    }

    private Path v2Tree() throws IOException {
        Path unified = root.resolve("unified");
        Path d = unified.resolve("hatchway/k-t");
        write(d, "cpu.stat", "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 0\n");
        write(d, "memory.current", "16777216\n");
        write(d, "memory.max", "33554432\n");
        write(d, "memory.stat", "anon 3145728\nfile 1048576\nkernel_stack 16384\n");
        write(d, "memory.swap.current", "65536\n");
        write(d, "io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
                + "8:16 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
        write(d, "pids.current", "2\n");
        write(d, "pids.max", "64\n");
        write(d, "cgroup.procs", "20\n21\n");
        return unified;
    }

    @Test
    void v1FiguresComeFromEachController() throws IOException {
        Statistics s = new CgroupFs(v1Tree(), Optional.empty()).statistics(CGROUP);
        assertEquals(15_000_000, s.getCpuUser100ns(), "ns / 100");
        assertEquals(2_500_000, s.getCpuKernel100ns());
        assertEquals(8_388_608, s.getMemoryUsageBytes());
        assertEquals(0, s.getMemoryLimitBytes(), "v1's huge number means no limit");
        assertEquals(2_097_152 + 4096, s.getMemoryCommitBytes(), "the subtree's rss and swap");
        assertEquals(4096 + 1024, s.getStorageReadBytes(), "Read lines summed over devices");
        assertEquals(8192, s.getStorageWriteBytes());
        assertEquals(3, s.getPidsCurrent());
        assertEquals(0, s.getPidsLimit(), "max means no limit");
    }

    @Test
    void v1CpuFallsBackToClockTicksOfCpuacctStat() throws IOException {
        Path cpuacct = write(root.resolve("old"), "cpuacct.stat", "user 250\nsystem 40\n");
        Figures.Cpu cpu = CgroupV1.cpu(cpuacct);
        assertEquals(ProcFs.ticksTo100ns(250), cpu.user100ns());
        assertEquals(ProcFs.ticksTo100ns(40), cpu.kernel100ns());
    }

    @Test
    void v1StorageReadsTheFirstBlkioFileThere() throws IOException {
        Path blkio = write(root.resolve("blkio"), "blkio.io_service_bytes_recursive", "8:0 Read 7\n8:0 Write 9\n");
        assertEquals(new Figures.Storage(7, 9), CgroupV1.storage(blkio));
        assertEquals(Figures.Storage.NONE, CgroupV1.storage(Files.createDirectories(root.resolve("none"))));
    }

    @Test
    void v2FiguresComeFromTheUnifiedDirectory() throws IOException {
        Statistics s = new CgroupFs(Map.of(), Optional.of(v2Tree())).statistics(CGROUP);
        assertEquals(15_000_000, s.getCpuUser100ns(), "usec * 10");
        assertEquals(5_000_000, s.getCpuKernel100ns());
        assertEquals(16_777_216, s.getMemoryUsageBytes());
        assertEquals(33_554_432, s.getMemoryLimitBytes());
        assertEquals(3_145_728 + 65_536, s.getMemoryCommitBytes(), "anonymous memory and swap");
        assertEquals(4196, s.getStorageReadBytes());
        assertEquals(8192, s.getStorageWriteBytes());
        assertEquals(2, s.getPidsCurrent());
        assertEquals(64, s.getPidsLimit());
    }

    @Test
    void v2ControllersNotEnabledReadAsZero() throws IOException {
        Path unified = root.resolve("unified");
        write(unified.resolve("hatchway/k-t"), "cgroup.procs", "30\n");
        Statistics s = new CgroupFs(Map.of(), Optional.of(unified)).statistics(CGROUP);
        assertEquals(0, s.getCpuTotal100ns());
        assertEquals(0, s.getMemoryUsageBytes());
        assertEquals(0, s.getStorageReadBytes());
        assertEquals(1, s.getPidsCurrent(), "counted from cgroup.procs without a pids controller");
    }

    @Test
    void aHybridHostReadsV1WhereItHasTheController() throws IOException {
        Map<String, Path> v1 = Map.of("memory", v1Tree().get("memory"));
        Statistics s = new CgroupFs(v1, Optional.of(v2Tree())).statistics(CGROUP);
        assertEquals(8_388_608, s.getMemoryUsageBytes(), "memory from v1");
        assertEquals(15_000_000, s.getCpuUser100ns(), "cpu from v2");
        assertEquals(2, s.getPidsCurrent(), "pids from v2");
    }

    @Test
    void aMissingCgroupIsNoSuchFile() throws IOException {
        CgroupFs fs = new CgroupFs(Map.of(), Optional.of(Files.createDirectories(root.resolve("unified"))));
        assertThrows(NoSuchFileException.class, () -> fs.statistics(CGROUP));
    }
}
