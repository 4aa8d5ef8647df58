package io.hatchway.hcs.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a test must not leave behind: containers under the runtime root, cgroups of its tasks,
 * mounts under its state directory, conmon processes working for it, zombies of the test JVM.
 * Public, with {@link BusyboxBundle}, for the mbeans module's contract suite on this backend.
 */
public final class Leftovers {
    private Leftovers() {
    }

    /** Fails unless nothing is left of tasks {@code taskIds} of the backend whose state is in {@code stateDir}. */
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
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> conmons(stateDir).isEmpty());
        assertNone(stateDir, taskIds);
    }

    /** Files under {@code dir/out} for a test process's streams. */
    public static Stdio stdio(Path dir, String name) {
        return new Stdio(Optional.empty(), dir.resolve("out/" + name + ".out"), dir.resolve("out/" + name + ".err"));
    }

    public static void assertNone(Path stateDir, Collection<String> taskIds) throws IOException {
        Path runtimeRoot = stateDir.resolve("runtime/runc");
        if (Files.isDirectory(runtimeRoot)) {
            OciRuntime runc = new OciRuntime("runc", OciRuntime.find("runc").orElseThrow(), runtimeRoot,
                    Duration.ofSeconds(30));
            assertEquals(List.of(), runc.list().stream().map(c -> c.id() + " " + c.status()).toList(),
                    "runc list under " + runtimeRoot);
        }
        CgroupFs cgroups = CgroupFs.detect();
        List<String> cgroupsLeft = new ArrayList<>();
        for (String id : taskIds) {
            for (String name : List.of(id, id + "+sandbox")) {
                for (Path dir : cgroups.dirs(RuncBackend.cgroupsPath(stateDir, name))) {
                    if (Files.exists(dir)) {
                        cgroupsLeft.add(dir.toString());
                    }
                }
            }
        }
        assertEquals(List.of(), cgroupsLeft, "cgroups left");
        List<String> exitDirsLeft = taskIds.stream()
                .map(id -> io.hatchway.hcs.runc.conmon.MonitorDir.exitDirsOf(stateDir.resolve("tasks").resolve(id)))
                .filter(Files::exists).map(Path::toString).toList();
        assertEquals(List.of(), exitDirsLeft, "exit directories left");
        assertEquals(List.of(), Mounts.mountPointsUnder(stateDir), "mounts left under " + stateDir);
        assertEquals(List.of(), conmons(stateDir), "conmon processes left");
        List<Long> zombies = ProcessHandle.current().children()
                .filter(p -> ProcFs.stat((int) p.pid()).map(s -> s.state() == 'Z').orElse(false))
                .map(ProcessHandle::pid).toList();
        assertEquals(List.of(), zombies, "zombie children of the test JVM");
    }

    /** Live conmon processes whose command line names {@code stateDir}. */
    public static List<String> conmons(Path stateDir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    boolean alive = ProcFs.stat(Integer.parseInt(name)).map(s -> s.state() != 'Z').orElse(false);
                    if (alive && cmdline.contains("conmon") && cmdline.contains(stateDir.toString())) {
                        out.add(name + ": " + cmdline);
                    }
                } catch (IOException e) { // exited meanwhile
                }
            }
        }
        return out;
    }
}
