package io.hatchway.hcs.runc;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code share} accepts, apart from the mounts that do it.
 *
 * <p>{@code hostPath} must be absolute, hold no {@code .} or {@code ..} segment, exist, and once
 * every symbolic link is resolved lie inside one of the backend's share roots
 * ({@link RuncBackend.Config#shareRoots}, default {@code /}) and outside Hatchway's state
 * directory; it must be a directory or a regular file. {@code guestPath} must be absolute, not
 * {@code /}, hold no {@code .} or {@code ..} segment, and cross no symbolic link inside the
 * sandbox; missing directories on the way are created in the sandbox's own layer. Anything else
 * is InvalidArgument; a guest path already shared is AlreadyExists.
 *
 * <p>Both sides are checked on the file system as it is when called (a symbolic link is judged
 * by where it leads now); nothing here needs root. Stateless.
 */
final class ShareRule {
    private ShareRule() {
    }

    /**
     * The host side: the real path of an existing, allowed directory or regular file.
     *
     * @param roots the directories shares may come from
     * @param stateDir Hatchway's state directory, never shared nor holding a share
     * @throws HatchwayException InvalidArgument naming what is wrong
     */
    static Path hostSource(Path hostPath, List<Path> roots, Path stateDir) {
        if (!hostPath.isAbsolute()) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s': not an absolute path", hostPath);
        }
        for (Path segment : hostPath) {
            if (segment.toString().equals("..") || segment.toString().equals(".")) {
                throw ErrorKind.InvalidArgument.error("hostPath '%s': '.' and '..' segments are not allowed", hostPath);
            }
        }
        Path real;
        try {
            real = hostPath.toRealPath();
        } catch (IOException e) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s' does not exist", hostPath);
        }
        boolean allowed = false;
        for (Path root : roots) {
            allowed |= real.startsWith(realOrSelf(root));
        }
        if (!allowed) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s' resolves to '%s', outside the share roots %s",
                    hostPath, real, roots);
        }
        if (real.startsWith(realOrSelf(stateDir)) || realOrSelf(stateDir).startsWith(real)) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s' resolves to '%s', which holds or is inside"
                    + " Hatchway's state directory", hostPath, real);
        }
        if (!Files.isDirectory(real) && !Files.isRegularFile(real)) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s': neither a directory nor a regular file", hostPath);
        }
        return real;
    }

    private static Path realOrSelf(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /**
     * The guest side: the mount point for {@code guestPath} under {@code rootfs} (the sandbox's
     * root as the host sees it), its missing directories (and, for a file, the file) made.
     *
     * @throws HatchwayException InvalidArgument naming what is wrong; AlreadyExists
     *     when something is mounted there already
     */
    static Path guestTarget(Path rootfs, String guestPath, boolean file) {
        if (!guestPath.startsWith("/")) {
            throw ErrorKind.InvalidArgument.error("guestPath '%s': not an absolute path", guestPath);
        }
        Path guest = Path.of(guestPath);
        if (guest.getNameCount() == 0) {
            throw ErrorKind.InvalidArgument.error("guestPath '/': cannot share onto the sandbox's root");
        }
        Path target = rootfs;
        for (int i = 0; i < guest.getNameCount(); i++) {
            String name = guest.getName(i).toString();
            if (name.equals("..") || name.equals(".")) {
                throw ErrorKind.InvalidArgument.error("guestPath '%s': '.' and '..' segments are not allowed", guestPath);
            }
            target = target.resolve(name);
            boolean last = i == guest.getNameCount() - 1;
            if (Files.isSymbolicLink(target)) {
                throw ErrorKind.InvalidArgument.error("guestPath '%s': '%s' is a symbolic link in the sandbox", guestPath,
                        guest.subpath(0, i + 1));
            }
            try {
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    if (last && file) {
                        Files.createFile(target);
                    } else {
                        Files.createDirectory(target);
                    }
                } else if (last ? (file != Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS))
                        : !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw ErrorKind.InvalidArgument.error("guestPath '%s': '%s' exists in the sandbox and is not a %s",
                            guestPath, guest.subpath(0, i + 1), last && file ? "regular file" : "directory");
                }
            } catch (IOException e) {
                throw ErrorKind.InvalidArgument.error("guestPath '%s': cannot make '%s' in the sandbox: %s", guestPath,
                        guest.subpath(0, i + 1), HatchwayException.reason(e));
            }
        }
        if (Mounts.isMountPoint(target)) {
            throw ErrorKind.AlreadyExists.error("guestPath '%s' is already shared", guestPath);
        }
        return target;
    }
}
