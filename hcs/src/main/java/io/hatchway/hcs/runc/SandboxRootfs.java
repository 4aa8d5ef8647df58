package io.hatchway.hcs.runc;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The root file system of a sandbox, {@code <sandbox dir>/rootfs}: an overlay whose lower layer is
 * the task's root file system and whose upper layer lives on a tmpfs ({@code layer/}), so the
 * task's files are never written. It is a shared mount: what Hatchway mounts under it on the host
 * (a share) propagates into the sandbox, which enters it with {@code rootfsPropagation: rslave}.
 * The sandbox's removal unmounts it with everything under its directory.
 */
final class SandboxRootfs {
    private SandboxRootfs() {
    }

    /** Where the root of the sandbox whose directory is {@code dir} is mounted. */
    static Path path(Path dir) {
        return dir.resolve("rootfs");
    }

    /** Refuses a lower directory that overlay's option string cannot name. */
    static void checkLowerDir(Path taskRootfs) {
        if (taskRootfs.toString().matches(".*[,:].*")) {
            throw ErrorKind.InvalidArgument.error("isolation 'sandbox': root file system '%s' has a ',' or ':', which"
                    + " an overlay mount cannot name", taskRootfs);
        }
    }

    /**
     * Mounts the sandbox's root under {@code dir}: a tmpfs for the writable layer, the overlay of
     * that layer on {@code taskRootfs}, made a shared mount. Returns the root's path.
     */
    static Path mount(Path dir, Path taskRootfs) throws IOException {
        Path layer = dir.resolve("layer");
        Path rootfs = path(dir);
        Files.createDirectories(layer);
        Files.createDirectories(rootfs);
        Mounts.mount("tmpfs", layer, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "mode=0700,size=64m");
        Files.createDirectories(layer.resolve("upper"));
        Files.createDirectories(layer.resolve("work"));
        Mounts.mount("overlay", rootfs, "overlay", 0, "lowerdir=" + taskRootfs + ",upperdir=" + layer.resolve("upper")
                + ",workdir=" + layer.resolve("work"));
        Mounts.propagation(rootfs, LibC.MS_SHARED);
        return rootfs;
    }
}
