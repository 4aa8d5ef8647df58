package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.linux.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The directory conmon and the runtime share with Hatchway for one monitored process (a
 * container's init process or one exec): pid files, the runtime's log, and, apart, the exit
 * directory. It is kept on disk so an agent started again can read what happened while it was
 * away. Each exec has a directory of its own, so each has its own exit directory (conmon names the
 * exit file after the container, not after the exec).
 */
public record MonitorDir(Path dir) {
    /*
     * Exit statuses must not depend on free space: conmon gives up, writing nothing, when it cannot
     * write its exit file, and the state directory sits on the disk the tasks' output fills. So the
     * exit directories live under /run, where runtimes keep what must outlive their monitor but not
     * a reboot (runc's own root, Podman's /run/libpod/exits, CRI-O's exits): a tmpfs on systemd
     * hosts, writable by root only, which no task's output reaches. A monitor directory's exit
     * directory is its absolute path mirrored under EXIT_ROOT, so it is Hatchway's own per agent
     * (the state directory is in the path) and an agent started again finds it from the state
     * directory alone; removing a tree of monitor directories removes its mirror in one go
     * (deleteExitDirs).
     */
    /** Under which the exit directories are. */
    public static final Path EXIT_ROOT = Path.of("/run/hatchway/exits");

    public MonitorDir {
        Objects.requireNonNull(dir);
    }

    /** Where conmon writes the exit status, in a file named after the container: see {@link #exitDirsOf}. */
    public Path exitDir() {
        return exitDirsOf(dir);
    }

    /**
     * The mirror under {@link #EXIT_ROOT} of {@code tree}: the exit directories of every monitor
     * directory in it are there.
     */
    public static Path exitDirsOf(Path tree) {
        return EXIT_ROOT.resolve(tree.toAbsolutePath().normalize().toString().substring(1));
    }

    /**
     * Removes the exit directories of every monitor directory in {@code tree}, and the mirror's
     * parents left empty (up to {@link #EXIT_ROOT}): for whoever removes the tree itself.
     */
    public static void deleteExitDirs(Path tree) {
        Path mirror = exitDirsOf(tree);
        Mounts.deleteTree(mirror);
        deleteEmptyParents(mirror);
    }

    /**
     * Removes this directory and its exit directory (and the mirror's parents left empty), once the
     * process is gone and its status no longer wanted. Only conmon and the runtime write in them and
     * nothing is ever mounted there, so they are deleted as plain trees: {@link Mounts#deleteTree}
     * reads the whole mount table, twice per exec here, a good part of an exec's CPU in the agent.
     */
    public void delete() {
        deletePlainTree(dir);
        Path mirror = exitDir();
        deletePlainTree(mirror);
        deleteEmptyParents(mirror);
    }

    private static void deletePlainTree(Path tree) {
        try (Stream<Path> paths = Files.walk(tree)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) { // gone already, or what is left stays
        }
    }

    private static void deleteEmptyParents(Path mirror) {
        for (Path parent = mirror.getParent(); parent != null && parent.startsWith(EXIT_ROOT)
                && !parent.equals(EXIT_ROOT); parent = parent.getParent()) {
            try {
                Files.deleteIfExists(parent);
            } catch (IOException e) { // not empty (another task's), or not ours to remove: stop there
                return;
            }
        }
    }

    /**
     * Makes the exit directory. Another task's delete may remove an empty parent of it meanwhile
     * ({@link #deleteExitDirs}): then the path is made again.
     */
    void createExitDir() throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createDirectories(exitDir());
                return;
            } catch (NoSuchFileException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    public Path exitFile(String containerId) {
        return exitDir().resolve(containerId);
    }

    /** The process's host pid, written by the runtime. */
    public Path pidFile() {
        return dir.resolve("pid");
    }

    /** conmon's own pid. */
    public Path conmonPidFile() {
        return dir.resolve("conmon.pid");
    }

    /** The runtime's log, JSON lines; a failed create or exec explains itself there. */
    public Path runtimeLog() {
        return dir.resolve("runtime.log");
    }

    /** An exec's OCI process object, as the runtime reads it. */
    public Path processFile() {
        return dir.resolve("process.json");
    }
}
