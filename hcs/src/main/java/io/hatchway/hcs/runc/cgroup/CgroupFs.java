package io.hatchway.hcs.runc.cgroup;

import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cgroup file systems of this host, read directly: cgroup v1 (one hierarchy per controller),
 * v2 (the unified hierarchy) or both ("hybrid": v1 controllers and a v2 mount, often at
 * {@code /sys/fs/cgroup/unified}). A container's cgroup is named by its {@code linux.cgroupsPath}
 * (absolute, e.g. {@code /hatchway/<id>}), found under every hierarchy's mount point.
 *
 * <p>Each figure is read from the v1 controller when the host mounts one, else from the unified
 * hierarchy. A sample reads a handful of small files (about 0.1 ms), against the tens of
 * milliseconds of a runtime's {@code events --stats}. Immutable and thread-safe.
 */
public final class CgroupFs {
    private static final List<String> MEMBERSHIP_ORDER = List.of("pids", "memory", "cpuacct", "cpu", "blkio");

    private final Map<String, Path> controllers; // v1 controller → mount point
    private final Optional<Path> unified;

    public CgroupFs(Map<String, Path> controllers, Optional<Path> unified) {
        this.controllers = Map.copyOf(controllers);
        this.unified = unified;
    }

    /** The hierarchies mounted here, from {@code /proc/self/mountinfo}. */
    public static CgroupFs detect() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new CgroupFs(Map.of(), Optional.empty());
        }
    }

    static CgroupFs parse(List<String> mountinfo) {
        Map<String, Path> controllers = new LinkedHashMap<>();
        Path unified = null;
        for (String line : mountinfo) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 3 >= f.length) {
                continue;
            }
            String type = f[dash + 1];
            Path mountPoint = Path.of(Mounts.unescape(f[4]));
            if (type.equals("cgroup2") && unified == null) {
                unified = mountPoint;
            } else if (type.equals("cgroup")) {
                for (String option : f[dash + 3].split(",")) {
                    if (option.matches("[a-z_]+") && !option.equals("rw") && !option.equals("ro")) {
                        controllers.putIfAbsent(option, mountPoint);
                    }
                }
            }
        }
        return new CgroupFs(controllers, Optional.ofNullable(unified));
    }

    /** Whether any cgroup hierarchy is mounted. */
    public boolean available() {
        return !controllers.isEmpty() || unified.isPresent();
    }

    /** v1 controllers beside a v2 mount: what crun refuses ("cgroups in hybrid mode not supported"). */
    public boolean hybrid() {
        return !controllers.isEmpty() && unified.isPresent();
    }

    /** The unified (v2) directory of {@code cgroupsPath}, whose {@code cgroup.events} says whether it is populated. */
    public Optional<Path> unifiedDir(String cgroupsPath) {
        return unified.map(root -> under(root, cgroupsPath));
    }

    /** Every directory of {@code cgroupsPath}, one per hierarchy (v1 controllers and the unified one). */
    public List<Path> dirs(String cgroupsPath) {
        List<Path> out = new ArrayList<>();
        for (Path mount : new LinkedHashSet<>(controllers.values())) {
            out.add(under(mount, cgroupsPath));
        }
        unifiedDir(cgroupsPath).ifPresent(out::add);
        return out;
    }

    /** Whether the cgroup exists in any hierarchy. */
    public boolean exists(String cgroupsPath) {
        return dirs(cgroupsPath).stream().anyMatch(Files::isDirectory);
    }

    /**
     * The pids of the processes in the cgroup ({@code cgroup.procs}).
     *
     * @throws NoSuchFileException when the cgroup does not exist
     */
    public List<Integer> processes(String cgroupsPath) throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (String line : Files.readAllLines(membershipDir(cgroupsPath).resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
                pids.add(Integer.parseInt(line.strip()));
            }
        }
        return pids;
    }

    /** Whether any process is in the cgroup; false when it does not exist. */
    public boolean populated(String cgroupsPath) {
        Optional<Path> events = unifiedDir(cgroupsPath).map(d -> d.resolve("cgroup.events"));
        if (events.isPresent() && Files.exists(events.get())) {
            try {
                return Files.readString(events.get()).contains("populated 1");
            } catch (IOException e) {
                return false;
            }
        }
        try {
            return !processes(cgroupsPath).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The cgroup's figures now: CPU, memory, storage, pids.
     *
     * @throws NoSuchFileException when the cgroup does not exist
     */
    public Statistics statistics(String cgroupsPath) throws IOException {
        String now = Instant.now().toString();
        Path membership = membershipDir(cgroupsPath);
        if (!Files.isDirectory(membership)) {
            throw new NoSuchFileException(membership.toString());
        }
        Optional<Path> v2 = unifiedDir(cgroupsPath).filter(Files::isDirectory);
        Optional<Path> cpuacct = v1(cgroupsPath, "cpuacct");
        Optional<Path> memory = v1(cgroupsPath, "memory");
        Optional<Path> blkio = v1(cgroupsPath, "blkio");
        Figures.Cpu cpu = cpuacct.isPresent() ? CgroupV1.cpu(cpuacct.get())
                : v2.isPresent() ? CgroupV2.cpu(v2.get()) : Figures.Cpu.NONE;
        Figures.Memory mem = memory.isPresent() ? CgroupV1.memory(memory.get())
                : v2.isPresent() ? CgroupV2.memory(v2.get()) : Figures.Memory.NONE;
        Figures.Storage storage = blkio.isPresent() ? CgroupV1.storage(blkio.get())
                : v2.isPresent() ? CgroupV2.storage(v2.get()) : Figures.Storage.NONE;
        Optional<Path> pidsDir = v1(cgroupsPath, "pids").or(() -> v2.filter(d -> Files.exists(d.resolve("pids.current"))));
        Figures.Pids pids = pidsDir.isPresent() ? CgroupFiles.pids(pidsDir.get())
                : new Figures.Pids(processes(cgroupsPath).size(), 0);
        return new Statistics(now, cpu.user100ns(), cpu.kernel100ns(), mem.usage(), mem.commit(), mem.limit(),
                storage.read(), storage.write(), pids.current(), pids.limit());
    }

    /** Removes the cgroup's directories that are there and empty (a leftover of a crashed create). */
    public void removeIfEmpty(String cgroupsPath) {
        for (Path dir : dirs(cgroupsPath)) {
            try {
                Files.deleteIfExists(dir); // rmdir(2): cgroupfs refuses while processes are in it
            } catch (IOException e) { // in use, or not ours to remove
            }
        }
    }

    /** The directory whose {@code cgroup.procs} lists the cgroup's members. */
    private Path membershipDir(String cgroupsPath) {
        for (String controller : MEMBERSHIP_ORDER) {
            Path mount = controllers.get(controller);
            if (mount != null) {
                return under(mount, cgroupsPath);
            }
        }
        if (unified.isPresent()) {
            return under(unified.get(), cgroupsPath);
        }
        if (!controllers.isEmpty()) {
            return under(controllers.values().iterator().next(), cgroupsPath);
        }
        return Path.of("/sys/fs/cgroup").resolve(cgroupsPath.substring(1));
    }

    private Optional<Path> v1(String cgroupsPath, String controller) {
        return Optional.ofNullable(controllers.get(controller)).map(mount -> under(mount, cgroupsPath));
    }

    private static Path under(Path mount, String cgroupsPath) {
        String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
        return mount.resolve(relative);
    }

    @Override
    public String toString() {
        return "CgroupFs{v1=" + controllers + ", unified=" + unified.orElse(null) + "}";
    }
}
