package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Mounts in the JVM's own mount namespace, through mount(2) (no {@code mount} binary), and a
 * recursive delete that never crosses into a mount. Errors carry the OS's message. Thread-safe.
 */
public final class Mounts {
    private Mounts() {
    }

    /** A failed mount(2) or umount2(2): the call and the OS's reason. */
    public static final class MountException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        MountException(String call, LastErrorException e) {
            super(call + ": " + LibC.message(e));
            this.errno = e.getErrorCode();
        }

        public int errno() {
            return errno;
        }
    }

    /** Every mount point in this mount namespace, from {@code /proc/self/mountinfo}, in mount order. */
    public static List<Path> mountPoints() {
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    out.add(Path.of(unescape(f[4])));
                }
            }
        } catch (IOException e) { // no /proc: nothing known to be mounted
        }
        return out;
    }

    /**
     * A path field of {@code /proc/<pid>/mountinfo} as the path it names: the kernel writes space,
     * tab, newline and backslash as octal escapes ({@code \040}, {@code \011}, {@code \012},
     * {@code \134}).
     */
    public static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** The mount points at or below {@code dir}, deepest first. */
    public static List<Path> mountPointsUnder(Path dir) {
        Path normal = dir.toAbsolutePath().normalize();
        return mountPoints().stream().filter(p -> p.startsWith(normal)).distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    }

    public static boolean isMountPoint(Path path) {
        return mountPoints().contains(path.toAbsolutePath().normalize());
    }

    /** {@code mount --bind source target} (recursive with {@code recursive}). */
    public static void bind(Path source, Path target, boolean recursive) throws MountException {
        mount(source.toString(), target, null, LibC.MS_BIND | (recursive ? LibC.MS_REC : 0), null);
    }

    /** Makes the bind mount at {@code target} read-only (a bind mount takes the flag only on remount). */
    public static void remountReadOnly(Path target) throws MountException {
        mount(null, target, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY, null);
    }

    /** Sets the propagation of the mount at {@code target}: {@link LibC#MS_SHARED} or {@link LibC#MS_PRIVATE}. */
    public static void propagation(Path target, long type) throws MountException {
        mount(null, target, null, type, null);
    }

    /** mount(2) of a file system, e.g. {@code tmpfs} or {@code overlay}. */
    public static void mount(String source, Path target, String type, long flags, String data)
            throws MountException {
        try {
            LibC.INSTANCE.mount(source, target.toString(), type, flags, data);
        } catch (LastErrorException e) {
            throw new MountException("mount " + (source == null ? "" : source + " ") + "on " + target, e);
        }
    }

    /** umount2(2); a mount that is not there is not an error. */
    public static void unmount(Path target, boolean detach) throws MountException {
        try {
            LibC.INSTANCE.umount2(target.toString(), detach ? LibC.MNT_DETACH : 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LibC.EINVAL && e.getErrorCode() != LibC.ENOENT) {
                throw new MountException("umount " + target, e);
            }
        }
    }

    /** Unmounts everything mounted at or below {@code dir}, deepest first, detaching what is busy. */
    public static void unmountAll(Path dir) {
        for (Path mount : mountPointsUnder(dir)) {
            try {
                unmount(mount, true);
            } catch (MountException e) { // left mounted; deleteTree will not enter it
            }
        }
    }

    /**
     * Deletes {@code dir} and everything below it, without ever entering a mount point (a share
     * must never take the host's files with it). What cannot be deleted is left.
     */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<Path> mounts = Set.copyOf(mountPointsUnder(dir));
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return mounts.contains(d.toAbsolutePath().normalize()) ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!mounts.contains(file.toAbsolutePath().normalize())) {
                        quietly(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    if (!mounts.contains(d.toAbsolutePath().normalize())) {
                        quietly(d);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) { // what is left stays
        }
    }

    private static void quietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) { // busy or not empty: left
        }
    }
}
