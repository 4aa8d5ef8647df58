package io.hatchway.mbeans;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.runc.RuncBackend;
import io.hatchway.hcs.runc.RuncFixture;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.testsupport.BusyboxBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@link Backend#RUNC} does that needs runc's own tools: busybox bundles, and the check that no
 * container in Hatchway's runc root, no cgroup of a test's task, no mount under a test's state
 * directory, no conmon working for it and no zombie child of the JVM is left.
 */
final class RuncProfile {
    /** Every runc state directory and task id of this JVM's tests, for {@link #assertNothingLeftOfTheSuite}. */
    private static final Set<Path> STATE_DIRS = ConcurrentHashMap.newKeySet();
    private static final Set<String> TASK_IDS = ConcurrentHashMap.newKeySet();

    private RuncProfile() {
    }

    static void assumeUsable() {
        BusyboxBundle.assumeContainersWork();
    }

    static Path writeBundle(Path dir, ObjectNode process) {
        return BusyboxBundle.create(dir, process);
    }

    static Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds) {
        Path runcState = stateDir.resolve("runc");
        STATE_DIRS.add(runcState);
        TASK_IDS.addAll(taskIds);
        try {
            TaskFixture.eventually("every conmon of the test's containers and execs has exited")
                    .until(() -> RuncFixture.conmons(runcState).isEmpty());
            RuncFixture.assertNone(runcState, taskIds);
            return Optional.empty();
        } catch (IOException | RuntimeException | AssertionError e) {
            try {
                remove(stateDir, taskIds);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            return Optional.of(e);
        }
    }

    /** Removes the containers in the test's runc root, mounts under its state directory, cgroups of its tasks. */
    private static void remove(Path stateDir, Set<String> taskIds) {
        Path runcState = stateDir.resolve("runc");
        Path root = runcState.resolve("runtime/runc");
        if (Files.isDirectory(root)) {
            OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(), root, TaskFixture.WAIT, new ComputeThreads().background());
            for (var container : runc.list()) {
                try {
                    runc.kill(container.id(), TaskFixture.SIGKILL, true);
                } catch (RuntimeException e) { // not running
                }
                runc.delete(container.id(), true);
            }
        }
        Mounts.unmountAll(stateDir);
        CgroupFs cgroups = CgroupFs.detect();
        for (String taskId : taskIds) {
            cgroups.removeIfEmpty(RuncBackend.cgroupsPath(runcState, taskId));
            cgroups.removeIfEmpty(RuncBackend.cgroupsPath(runcState, taskId + "+sandbox"));
        }
    }

    /** Each test checked its own leftovers; now that every test is done, nothing of any of them is left either. */
    static void assertNothingLeftOfTheSuite() throws IOException {
        for (Path runcState : STATE_DIRS) {
            RuncFixture.assertNone(runcState, TASK_IDS);
        }
    }
}
