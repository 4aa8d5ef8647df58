package io.hatchway.hcs.runc;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.linux.Mounts.MountException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shares of one sandbox. A share is two bind mounts: the host directory (for a file, its
 * parent) onto a private stage under the sandbox's directory ({@code stage/<n>}, made read-only
 * there when asked), then the stage (or the file in it) onto the guest path under the sandbox's
 * shared root ({@link SandboxRootfs}), whence it propagates into the running sandbox. Each share
 * is recorded in {@code shares.json}, so an agent started again knows them. They go with the
 * sandbox's mounts when it is removed. Thread-safe.
 */
final class SandboxShares {
    private static final Logger log = LoggerFactory.getLogger(SandboxShares.class);

    /** One share, as kept in {@code shares.json}. */
    record ShareRecord(int number, String hostPath, String guestPath, boolean readOnly) {
    }

    private final String sandboxId;
    private final Path dir;
    private final List<Path> roots;
    private final Path stateDir;
    private final List<ShareRecord> shares = new ArrayList<>(); // guarded by this
    private int last; // guarded by this: the number of the last stage

    /**
     * @param dir the sandbox's directory
     * @param roots the share roots of the backend
     * @param stateDir Hatchway's state directory
     */
    SandboxShares(String sandboxId, Path dir, List<Path> roots, Path stateDir) {
        this.sandboxId = sandboxId;
        this.dir = dir;
        this.roots = List.copyOf(roots);
        this.stateDir = stateDir;
    }

    /** Takes in the shares recorded by a previous agent, for a sandbox found again. */
    synchronized void readRecords() {
        TaskDir.read(dir.resolve("shares.json"), ShareRecord[].class).ifPresent(records -> shares.addAll(List.of(records)));
        last = shares.stream().mapToInt(ShareRecord::number).max().orElse(0);
    }

    /**
     * Makes {@code hostPath} appear at {@code guestPath} in the sandbox, live, as {@link ShareRule}
     * allows, and records it. A failed share leaves no mount behind.
     *
     * @throws HatchwayException as {@link ShareRule} says; Unavailable when a mount fails
     */
    synchronized void add(Path hostPath, String guestPath, boolean readOnly) {
        Path source = ShareRule.hostSource(hostPath, roots, stateDir);
        boolean file = Files.isRegularFile(source);
        Path target = ShareRule.guestTarget(SandboxRootfs.path(dir), guestPath, file);
        int number = ++last;
        Path stage = dir.resolve("stage").resolve(Integer.toString(number));
        // Host side: the directory (for a file, its parent) staged under the sandbox's directory.
        try {
            Files.createDirectories(stage);
            Mounts.bind(file ? source.getParent() : source, stage, false);
            Mounts.propagation(stage, LibC.MS_PRIVATE);
            if (readOnly) {
                Mounts.remountReadOnly(stage);
            }
        } catch (IOException e) {
            rollback(stage);
            throw ErrorKind.Unavailable.error("share '%s': host side: %s", hostPath,
                    HatchwayException.reason(e));
        }
        // Guest side: from the stage onto the sandbox's root, whence it propagates into the sandbox;
        // a file's share shows that file alone. A read-only stage makes a read-only copy.
        try {
            Mounts.bind(file ? stage.resolve(source.getFileName()) : stage, target, false);
            if (readOnly) {
                Mounts.remountReadOnly(target);
            }
        } catch (MountException e) {
            try {
                Mounts.unmount(target, true);
            } catch (MountException ignored) { // was not mounted
            }
            rollback(stage);
            throw ErrorKind.Unavailable.error("share '%s' at '%s': guest side: %s (host side rolled back)", hostPath,
                    guestPath, e.getMessage());
        }
        shares.add(new ShareRecord(number, source.toString(), guestPath, readOnly));
        try {
            TaskDir.write(dir.resolve("shares.json"), shares);
        } catch (IOException e) {
            log.warn("sandbox '{}': recording shares: {}", sandboxId, e.toString());
        }
    }

    private static void rollback(Path stage) {
        try {
            Mounts.unmount(stage, true);
        } catch (MountException e) { // not mounted
        }
        TaskDir.delete(stage);
    }
}
