package io.hatchway.hcs.runc.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Finding the cgroup hierarchies in mountinfo: v1, v2 and hybrid hosts. */
class CgroupFsTest {
    private static final String V1_CPU = "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup rw,cpu,cpuacct";
    private static final String V1_MEMORY = "31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory";
    private static final String V1_SYSTEMD = "32 25 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd";
    private static final String UNIFIED = "33 25 0:29 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate";
    private static final String V2_ONLY = "33 25 0:29 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate";
    private static final String ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw";

    @Test
    void v1ControllersMapToTheirMounts() {
        CgroupFs fs = CgroupFs.parse(List.of(ROOT, V1_CPU, V1_MEMORY, V1_SYSTEMD));
        assertTrue(fs.available());
        assertFalse(fs.hybrid());
        assertEquals(Optional.empty(), fs.unifiedDir("/hatchway/t"));
        assertTrue(fs.dirs("/hatchway/t").contains(Path.of("/sys/fs/cgroup/cpu,cpuacct/hatchway/t")));
        assertTrue(fs.dirs("/hatchway/t").contains(Path.of("/sys/fs/cgroup/memory/hatchway/t")));
        assertFalse(fs.toString().contains("name=systemd"));
    }

    @Test
    void v2AloneIsNotHybrid() {
        CgroupFs fs = CgroupFs.parse(List.of(ROOT, V2_ONLY));
        assertFalse(fs.hybrid());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/hatchway/t")), fs.unifiedDir("/hatchway/t"));
        assertEquals(List.of(Path.of("/sys/fs/cgroup/hatchway/t")), fs.dirs("/hatchway/t"));
    }

    @Test
    void v1BesideAUnifiedMountIsHybrid() {
        CgroupFs fs = CgroupFs.parse(List.of(ROOT, V1_CPU, V1_MEMORY, UNIFIED));
        assertTrue(fs.hybrid());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified/hatchway/t")), fs.unifiedDir("/hatchway/t"));
    }

    @Test
    void anEscapedMountPointIsReadAsThePathItNames() {
        String spaced = "34 25 0:30 / /sys/fs/cgroup/my\\040cgroups rw - cgroup2 cgroup2 rw";
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/my cgroups/hatchway/t")),
                CgroupFs.parse(List.of(ROOT, spaced)).unifiedDir("/hatchway/t"));
    }

    @Test
    void noCgroupMountsMeansUnavailable() {
        assertFalse(CgroupFs.parse(List.of(ROOT)).available());
    }
}
