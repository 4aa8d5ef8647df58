package io.hatchway.hcs.runc.cgroup;

import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.linux.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    private static final long UNLIMITED = 1L << 62; // v1 reports "no limit" as a huge page-aligned number
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
            Path mountPoint = Path.of(unescape(f[4]));
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

    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
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
        for (Path mount : new java.util.LinkedHashSet<>(controllers.values())) {
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
        long user;
        long kernel;
        Optional<Path> cpuacct = v1(cgroupsPath, "cpuacct");
        Optional<Path> v2 = unifiedDir(cgroupsPath).filter(Files::isDirectory);
        if (cpuacct.isPresent()) {
            Path d = cpuacct.get();
            if (Files.exists(d.resolve("cpuacct.usage_user"))) {
                user = readLong(d.resolve("cpuacct.usage_user")) / 100;
                kernel = readLong(d.resolve("cpuacct.usage_sys")) / 100;
            } else {
                Map<String, Long> stat = readKeyed(d.resolve("cpuacct.stat"));
                user = ProcFs.ticksTo100ns(stat.getOrDefault("user", 0L));
                kernel = ProcFs.ticksTo100ns(stat.getOrDefault("system", 0L));
            }
        } else if (v2.isPresent() && Files.exists(v2.get().resolve("cpu.stat"))) {
            Map<String, Long> stat = readKeyed(v2.get().resolve("cpu.stat"));
            user = stat.getOrDefault("user_usec", 0L) * 10;
            kernel = stat.getOrDefault("system_usec", 0L) * 10;
        } else {
            user = 0;
            kernel = 0;
        }

        long usage = 0;
        long commit = 0;
        long limit = 0;
        Optional<Path> memory = v1(cgroupsPath, "memory");
        if (memory.isPresent()) {
            Path d = memory.get();
            usage = readLong(d.resolve("memory.usage_in_bytes"));
            limit = limit(readLong(d.resolve("memory.limit_in_bytes")));
            Map<String, Long> stat = readKeyed(d.resolve("memory.stat"));
            commit = stat.getOrDefault("total_rss", stat.getOrDefault("rss", 0L))
                    + stat.getOrDefault("total_swap", stat.getOrDefault("swap", 0L));
        } else if (v2.isPresent() && Files.exists(v2.get().resolve("memory.current"))) {
            Path d = v2.get();
            usage = readLong(d.resolve("memory.current"));
            limit = readMax(d.resolve("memory.max"));
            commit = readKeyed(d.resolve("memory.stat")).getOrDefault("anon", 0L)
                    + (Files.exists(d.resolve("memory.swap.current")) ? readLong(d.resolve("memory.swap.current")) : 0);
        }

        long read = 0;
        long write = 0;
        Optional<Path> blkio = v1(cgroupsPath, "blkio");
        if (blkio.isPresent()) {
            for (String name : List.of("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes",
                    "blkio.io_service_bytes_recursive")) {
                Path file = blkio.get().resolve(name);
                if (Files.exists(file)) {
                    for (String line : Files.readAllLines(file)) {
                        String[] f = line.strip().split(" ");
                        if (f.length == 3 && f[1].equals("Read")) {
                            read += Long.parseLong(f[2]);
                        } else if (f.length == 3 && f[1].equals("Write")) {
                            write += Long.parseLong(f[2]);
                        }
                    }
                    break;
                }
            }
        } else if (v2.isPresent() && Files.exists(v2.get().resolve("io.stat"))) {
            for (String line : Files.readAllLines(v2.get().resolve("io.stat"))) {
                for (String field : line.split(" ")) {
                    if (field.startsWith("rbytes=")) {
                        read += Long.parseLong(field.substring(7));
                    } else if (field.startsWith("wbytes=")) {
                        write += Long.parseLong(field.substring(7));
                    }
                }
            }
        }

        long pidsCurrent;
        long pidsLimit = 0;
        Optional<Path> pids = v1(cgroupsPath, "pids").or(() -> v2.filter(d -> Files.exists(d.resolve("pids.current"))));
        if (pids.isPresent()) {
            pidsCurrent = readLong(pids.get().resolve("pids.current"));
            pidsLimit = readMax(pids.get().resolve("pids.max"));
        } else {
            pidsCurrent = processes(cgroupsPath).size();
        }
        return new Statistics(now, user, kernel, usage, commit, limit, read, write, pidsCurrent, pidsLimit);
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

    private static long readLong(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }

    private static long readMax(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        String text = Files.readString(file).strip();
        return text.equals("max") ? 0 : Long.parseLong(text);
    }

    private static long limit(long value) {
        return value >= UNLIMITED ? 0 : value;
    }

    private static Map<String, Long> readKeyed(Path file) throws IOException {
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

    @Override
    public String toString() {
        return "CgroupFs{v1=" + controllers + ", unified=" + unified.orElse(null) + "}";
    }
}
