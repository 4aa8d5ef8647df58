package io.hatchway.hcs.runc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One runc test's containers, written once for every runc test: the test skips, saying why, unless
 * containers work here; its backends keep their state under {@code <dir>/state}; its bundles are
 * busybox bundles under {@code dir}; and {@link #close()} stops every container it made (bounded),
 * closes its backends, waits (bounded) for their conmons to go and fails if anything of its tasks is
 * left: a container under the runtime root, a cgroup, a mount under the state directory, a conmon
 * working for it, a zombie child of the test JVM. Public, in the test-jar, for the mbeans module's
 * contract suite on this backend ({@link #conmons}, {@link #assertNone}).
 */
public final class RuncFixture implements AutoCloseable {
    public final Path dir;
    public final Path stateDir;
    /** What {@link #close()} stops: systems the test made or recovered, and the ids of its tasks. */
    public final List<ComputeSystem> systems = new ArrayList<>();
    public final List<String> ids = new ArrayList<>();
    private final List<RuncBackend> backends = new ArrayList<>();
    /** The threads of the fixture's backends, closed after them. */
    private final ComputeThreads threads = new ComputeThreads();

    private RuncFixture(Path dir) {
        this.dir = dir;
        this.stateDir = dir.resolve("state");
    }

    /** The fixture of a test whose temp directory is {@code dir}; skips the test unless containers work here. */
    public static RuncFixture open(Path dir) {
        BusyboxBundle.assumeContainersWork();
        return new RuncFixture(dir);
    }

    /** A runc backend on the fixture's state directory, closed by {@link #close()}. */
    public RuncBackend backend() {
        return backend(RuncBackend.Config.of("runc", stateDir));
    }

    /** A backend of {@code config}, closed by {@link #close()}. */
    public RuncBackend backend(RuncBackend.Config config) {
        RuncBackend backend = RuncBackend.open(config, threads);
        backends.add(backend);
        return backend;
    }

    /** A busybox bundle for task {@code id} whose process runs {@code args}; the id is checked at close. */
    public Path bundle(String id, String... args) throws IOException, InterruptedException {
        ids.add(id);
        return BusyboxBundle.create(dir.resolve("bundle-" + id), args);
    }

    /** Files under {@code dir/out} for a test process's streams. */
    public Stdio stdio(String name) {
        return new Stdio(Optional.empty(), dir.resolve("out/" + name + ".out"), dir.resolve("out/" + name + ".err"));
    }

    /** What the process of {@link #stdio stdio(name)} wrote to its stdout. */
    public String stdout(String name) throws IOException {
        return Files.readString(dir.resolve("out/" + name + ".out"));
    }

    @Override
    public void close() throws Exception {
        try {
            stopAll(systems, stateDir, ids, backends.toArray(RuncBackend[]::new));
        } finally {
            threads.close();
        }
    }

    /**
     * A runc test's tear-down: stops every container it made (bounded), closes its backends, waits
     * (bounded) for their conmons to go, and asserts nothing of {@code taskIds} is left.
     */
    public static void stopAll(Collection<ComputeSystem> systems, Path stateDir, Collection<String> taskIds,
            RuncBackend... backends) throws Exception {
        for (ComputeSystem system : systems) {
            system.terminate();
            system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
            system.close();
        }
        for (RuncBackend backend : backends) {
            if (backend != null) {
                backend.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> conmons(stateDir).isEmpty());
        assertNone(stateDir, taskIds);
    }

    /** Fails unless nothing is left of tasks {@code taskIds} of the backend whose state is in {@code stateDir}. */
    public static void assertNone(Path stateDir, Collection<String> taskIds) throws IOException {
        Path runtimeRoot = stateDir.resolve("runtime/runc");
        if (Files.isDirectory(runtimeRoot)) {
            OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(), runtimeRoot,
                    Duration.ofSeconds(30), new ComputeThreads().background());
            assertEquals(List.of(), runc.list().stream().map(c -> c.id() + " " + c.status()).toList(),
                    "runc list under " + runtimeRoot);
        }
        CgroupFs cgroups = CgroupFs.detect();
        List<String> cgroupsLeft = new ArrayList<>();
        for (String id : taskIds) {
            for (String name : List.of(id, id + "+sandbox")) {
                for (Path cgroup : cgroups.dirs(RuncBackend.cgroupsPath(stateDir, name))) {
                    if (Files.exists(cgroup)) {
                        cgroupsLeft.add(cgroup.toString());
                    }
                }
            }
        }
        assertEquals(List.of(), cgroupsLeft, "cgroups left");
        List<String> exitDirsLeft = taskIds.stream()
                .map(id -> MonitorDir.exitDirsOf(stateDir.resolve("tasks").resolve(id)))
                .filter(Files::exists).map(Path::toString).toList();
        assertEquals(List.of(), exitDirsLeft, "exit directories left");
        assertEquals(List.of(), Mounts.mountPointsUnder(stateDir), "mounts left under " + stateDir);
        assertEquals(List.of(), conmons(stateDir), "conmon processes left");
        assertEquals(List.of(), Leftovers.zombieChildren(), "zombie children of the test JVM");
    }

    /** Live conmon processes whose command line names {@code stateDir}. */
    public static List<Leftovers.LiveProcess> conmons(Path stateDir) {
        return Leftovers.processesWithCommandLine("conmon", stateDir.toString());
    }
}
