package io.hatchway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The last check of a run: after every clean-up step, nothing the benchmark made may be left.
 * Whatever is still there is named (so the report shows the leak) and removed: processes carrying
 * the run's marker or naming its folder on their command line (containers' processes, conmon,
 * containerd's shims), mounts under the folder, the run's cgroups, then the folder.
 */
final class Sweep {
    private Sweep() {
    }

    /** @return what was found left over (empty: the run cleaned up after itself) */
    static List<String> run(Context ctx) {
        List<String> found = new ArrayList<>();
        try {
            for (long pid : processes(ctx)) {
                found.add("process " + pid + " (" + command(pid) + ")");
                try {
                    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
                } catch (IOException e) { // gone meanwhile
                }
            }
            for (String mount : mounts(ctx.work)) {
                found.add("mount " + mount);
                new ProcessBuilder("umount", "-l", mount).start().waitFor();
            }
            found.addAll(removeCgroups(Context.CGROUP_PARENT + "/" + ctx.runId));
            removeCgroups(Context.CGROUP_PARENT); // the shared parent, when no other run uses it
        } catch (IOException e) {
            found.add("sweep failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(ctx.work);
        if (Files.exists(ctx.work)) { // a child's last write may land just after the walk: once more
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(ctx.work);
            if (Files.exists(ctx.work)) {
                found.add("folder " + ctx.work + " (could not be removed)");
            }
        }
        return found;
    }

    /** Pids of processes, other than this JVM, carrying the run's marker or naming its folder. */
    static List<Long> processes(Context ctx) throws IOException {
        byte[] marker = ctx.marker().getBytes(StandardCharsets.UTF_8);
        byte[] folder = ctx.work.toString().getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            for (Path dir : dirs.toList()) {
                String name = dir.getFileName().toString();
                if (!Character.isDigit(name.charAt(0)) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    if (contains(Files.readAllBytes(dir.resolve("environ")), marker)
                            || contains(Files.readAllBytes(dir.resolve("cmdline")), folder)) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException e) { // exited, or a kernel thread
                }
            }
        }
        return out;
    }

    private static String command(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static List<String> mounts(Path under) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && (f[4].equals(under.toString()) || f[4].startsWith(under + "/"))) {
                out.add(f[4]);
            }
        }
        out.sort(Comparator.reverseOrder()); // deepest first
        return out;
    }

    /**
     * Removes {@code /sys/fs/cgroup/<hierarchy>/<name>} and the cgroups under it, where empty. @return
     * those that were not empty (processes still in them)
     */
    static List<String> removeCgroups(String name) throws IOException {
        List<String> left = new ArrayList<>();
        Path cgroupRoot = Path.of("/sys/fs/cgroup");
        List<Path> hierarchies = new ArrayList<>();
        hierarchies.add(cgroupRoot);
        if (Files.isDirectory(cgroupRoot)) {
            try (Stream<Path> list = Files.list(cgroupRoot)) {
                list.filter(Files::isDirectory).forEach(hierarchies::add);
            }
        }
        for (Path hierarchy : hierarchies) {
            Path top = hierarchy.resolve(name);
            if (!Files.isDirectory(top) || Files.isSymbolicLink(hierarchy)) {
                continue;
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(top)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            }
            for (Path dir : dirs) {
                if (!dir.toFile().delete()) { // rmdir: cgroups are removed as directories
                    left.add("cgroup " + dir + " (not empty)");
                }
            }
        }
        return left;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("bench: could not remove " + dir + ": " + e);
        }
    }
}
