package io.hatchway.hcs.runc;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The cgroup of one container (a task's or a sandbox's), with the errors a caller of the task
 * sees: NotFound {@code failed to fetch <what>: ...} once it is gone. Immutable and thread-safe.
 *
 * @param path the container's {@code linux.cgroupsPath}
 */
record ContainerCgroup(CgroupFs cgroups, String path) {

    /** The pids in the cgroup, for {@code what} (e.g. {@code pids}) of {@code owner} (e.g. {@code task 't'}). */
    List<Integer> processes(String what, String owner) {
        try {
            return cgroups.processes(path);
        } catch (NoSuchFileException e) {
            throw ErrorKind.NotFound.error("failed to fetch %s: cgroup %s of %s does not exist", what, path, owner);
        } catch (IOException e) {
            throw ErrorKind.NotFound.error("failed to fetch %s: cgroup %s: %s", what, path,
                    HatchwayException.reason(e));
        }
    }

    /** The cgroup's figures now. */
    Statistics statistics(String owner) {
        try {
            return cgroups.statistics(path);
        } catch (NoSuchFileException e) {
            throw ErrorKind.NotFound.error("failed to fetch stats: cgroup %s of %s does not exist", path, owner);
        } catch (IOException | RuntimeException e) {
            throw ErrorKind.NotFound.error("failed to fetch stats: cgroup %s of %s: %s", path, owner,
                    HatchwayException.reason(e));
        }
    }

    /** Sends {@code signal} to every process in the cgroup by pid; nothing when it is gone. */
    void signalAll(int signal) {
        try {
            for (int pid : cgroups.processes(path)) {
                LibC.killQuietly(pid, signal);
            }
        } catch (IOException e) { // no cgroup: nothing left to signal
        }
    }

    /** Whether any process is in it; false once it is gone. */
    boolean populated() {
        return cgroups.populated(path);
    }

    /** Its directory in the unified hierarchy, whose {@code cgroup.events} tells when it empties. */
    Optional<Path> unifiedDir() {
        return cgroups.unifiedDir(path);
    }

    /** Removes its directories when empty. */
    void removeIfEmpty() {
        cgroups.removeIfEmpty(path);
    }
}
