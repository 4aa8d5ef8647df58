package io.hatchway.hcs.gcs;

import io.hatchway.hcs.linux.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The host's cgroups and mounts as gcs-jail finds them (from {@code /proc/self/mountinfo} and
 * {@code /proc/<pid>/cgroup}), for {@link GuestAgentFixture}'s leftover checks and the containment
 * tests; and what an uncontained GCS would leave on the host.
 */
final class JailHost {
    static final String CGROUP_PREFIX = "hatchway-gcs-";

    private JailHost() {
    }

    /** One line of {@code /proc/self/mountinfo}. */
    record MountInfo(String root, String mountPoint, String type, List<String> superOptions) {
        boolean hasOption(String option) {
            return superOptions.contains(option);
        }
    }

    static Stream<MountInfo> mountInfo() {
        List<MountInfo> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mount-point options [optional...] - type source super-options
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash >= 6 && dash + 3 < f.length) {
                    mounts.add(new MountInfo(Mounts.unescape(f[3]), Mounts.unescape(f[4]), f[dash + 1],
                            List.of(f[dash + 3].split(","))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mounts.stream();
    }

    /** This JVM's cgroup directory in every mounted hierarchy: where the jail makes its own, as children. */
    static List<Path> callerCgroups() {
        return cgroupsOf("self");
    }

    /** The cgroup directories of process {@code pid} ("self" for this JVM), one per hierarchy mounted here. */
    static List<Path> cgroupsOf(String pid) {
        List<MountInfo> mounts = mountInfo().filter(m -> m.type().equals("cgroup") || m.type().equals("cgroup2")).toList();
        List<Path> dirs = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "cgroup"))) {
                String[] f = line.split(":", 3); // hierarchy id : controllers : path
                if (f.length < 3) {
                    continue;
                }
                boolean v2 = f[0].equals("0") && f[1].isEmpty();
                List<String> controllers = List.of(f[1].split(","));
                mounts.stream()
                        .filter(m -> v2 ? m.type().equals("cgroup2")
                                : m.type().equals("cgroup") && m.superOptions().containsAll(controllers))
                        .filter(m -> m.root().equals("/") || f[2].equals(m.root()) || f[2].startsWith(m.root() + "/"))
                        .findFirst()
                        .ifPresent(m -> dirs.add(Path.of(m.mountPoint() + (m.root().equals("/") ? f[2]
                                : f[2].substring(m.root().length())))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dirs;
    }

    /**
     * What a GCS leaves on the host when it is not contained: its mounts (rootfs overlays under
     * {@code /run/gcs}) and those of a jail's cgroup, its directories in the host's {@code /run}, runc
     * containers of its bundles in the host's runc root. Taken at start too: only new ones count.
     */
    static List<String> traces() {
        List<String> traces = new ArrayList<>();
        mountInfo().filter(m -> m.mountPoint().startsWith("/run/gcs") || m.mountPoint().contains(CGROUP_PREFIX)
                || m.root().contains(CGROUP_PREFIX)).forEach(m -> traces.add("mount " + m.mountPoint()));
        Stream.of("/run/gcs", "/run/gcsrunc", "/var/run/gcsrunc").filter(dir -> Files.exists(Path.of(dir)))
                .forEach(dir -> traces.add("directory " + dir));
        Path runcRoot = Path.of("/run/runc");
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> states = Files.list(runcRoot)) {
                states.filter(dir -> {
                    try {
                        return Files.readString(dir.resolve("state.json")).contains("\"/run/gcs/");
                    } catch (IOException e) { // gone meanwhile, or no state
                        return false;
                    }
                }).forEach(dir -> traces.add("runc container " + dir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return traces;
    }
}
