package io.hatchway.hcs.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** The share rule on a temporary tree: which host and guest paths a share accepts, without root or a sandbox. */
class ShareRuleTest {
    @TempDir
    Path tmp;
    private Path roots;
    private Path stateDir;
    private Path rootfs;

    @BeforeEach
    void tree() throws IOException {
        roots = Files.createDirectories(tmp.resolve("shared"));
        stateDir = Files.createDirectories(tmp.resolve("state"));
        rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(roots.resolve("data/sub"));
        Files.writeString(roots.resolve("data/file.txt"), "x");
        Files.writeString(tmp.resolve("outside.txt"), "x");
    }

    private Path host(Path hostPath) {
        return ShareRule.hostSource(hostPath, List.of(roots), stateDir);
    }

    private static void assertRefused(ErrorKind kind, String words, Executable call) {
        HatchwayException e = assertThrows(HatchwayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void anExistingDirectoryOrFileInsideARootIsSharedByItsRealPath() throws IOException {
        assertEquals(roots.resolve("data").toRealPath(), host(roots.resolve("data")));
        Files.createSymbolicLink(roots.resolve("link"), roots.resolve("data/file.txt"));
        assertEquals(roots.resolve("data/file.txt").toRealPath(), host(roots.resolve("link")));
    }

    @Test
    void theHostPathMustBeAbsoluteWithoutDotSegments() {
        assertRefused(ErrorKind.InvalidArgument, "not an absolute path", () -> host(Path.of("shared/data")));
        assertRefused(ErrorKind.InvalidArgument, "'.' and '..'", () -> host(Path.of(roots + "/data/../data")));
        assertRefused(ErrorKind.InvalidArgument, "'.' and '..'", () -> host(Path.of(roots + "/./data")));
    }

    @Test
    void theHostPathMustExist() {
        assertRefused(ErrorKind.InvalidArgument, "does not exist", () -> host(roots.resolve("missing")));
    }

    @Test
    void aSymbolicLinkOutOfTheRootsIsRefused() throws IOException {
        Files.createSymbolicLink(roots.resolve("escape"), tmp.resolve("outside.txt"));
        assertRefused(ErrorKind.InvalidArgument, "outside the share roots", () -> host(roots.resolve("escape")));
        assertRefused(ErrorKind.InvalidArgument, "outside the share roots", () -> host(tmp.resolve("outside.txt")));
    }

    @Test
    void theStateDirectoryNeverShowsInASandbox() throws IOException {
        Files.createDirectories(stateDir.resolve("tasks"));
        List<Path> everywhere = List.of(Path.of("/"));
        assertRefused(ErrorKind.InvalidArgument, "state directory",
                () -> ShareRule.hostSource(stateDir.resolve("tasks"), everywhere, stateDir));
        assertRefused(ErrorKind.InvalidArgument, "state directory",
                () -> ShareRule.hostSource(tmp, everywhere, stateDir));
    }

    @Test
    void onlyDirectoriesAndRegularFilesAreShared() {
        assertRefused(ErrorKind.InvalidArgument, "neither a directory nor a regular file",
                () -> ShareRule.hostSource(Path.of("/dev/null"), List.of(Path.of("/")), stateDir));
    }

    @Test
    void missingGuestDirectoriesAreMadeInTheSandboxRoot() {
        assertEquals(rootfs.resolve("mnt/a/b"), ShareRule.guestTarget(rootfs, "/mnt/a/b", false));
        assertTrue(Files.isDirectory(rootfs.resolve("mnt/a/b")));
        assertEquals(rootfs.resolve("etc/app.conf"), ShareRule.guestTarget(rootfs, "/etc/app.conf", true));
        assertTrue(Files.isRegularFile(rootfs.resolve("etc/app.conf")));
    }

    @Test
    void theGuestPathMustBeAbsoluteNotTheRootWithoutDotSegments() {
        assertRefused(ErrorKind.InvalidArgument, "not an absolute path", () -> ShareRule.guestTarget(rootfs, "mnt", false));
        assertRefused(ErrorKind.InvalidArgument, "sandbox's root", () -> ShareRule.guestTarget(rootfs, "/", false));
        assertRefused(ErrorKind.InvalidArgument, "'.' and '..'", () -> ShareRule.guestTarget(rootfs, "/mnt/../etc", false));
    }

    @Test
    void theGuestPathCrossesNoSymbolicLinkOfTheSandbox() throws IOException {
        Files.createSymbolicLink(rootfs.resolve("mnt"), tmp.resolve("outside.txt").getParent());
        assertRefused(ErrorKind.InvalidArgument, "symbolic link in the sandbox",
                () -> ShareRule.guestTarget(rootfs, "/mnt/x", false));
        assertTrue(Files.notExists(tmp.resolve("x")), "nothing was made through the link");
    }

    @Test
    void aGuestPathOfTheOtherKindIsRefused() throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/hosts"), "");
        assertRefused(ErrorKind.InvalidArgument, "is not a directory", () -> ShareRule.guestTarget(rootfs, "/etc/hosts", false));
        assertRefused(ErrorKind.InvalidArgument, "is not a regular file", () -> ShareRule.guestTarget(rootfs, "/etc", true));
        assertRefused(ErrorKind.InvalidArgument, "is not a directory",
                () -> ShareRule.guestTarget(rootfs, "/etc/hosts/x", false));
    }

    @Test
    void aGuestPathWithAMountOnItIsAlreadyShared() {
        // The host's /proc stands in for a sandbox root holding a share: a mount point exists there.
        assertRefused(ErrorKind.AlreadyExists, "already shared", () -> ShareRule.guestTarget(Path.of("/"), "/proc", false));
    }
}
