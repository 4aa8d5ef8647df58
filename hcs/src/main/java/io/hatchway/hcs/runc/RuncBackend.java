package io.hatchway.hcs.runc;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import io.hatchway.hcs.runc.conmon.ExitWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI runtime backend: every task is a container of {@code runc} (or {@code crun}), created
 * and monitored by conmon, with its cgroup at {@code /hatchway/<agent>-<task id>} (see
 * {@link #cgroupsPath(Path, String)}) so its figures are read straight from the cgroup files.
 * Needs root, the runtime, conmon and a mounted cgroup file system.
 *
 * <p>Everything it keeps is under its state directory: {@code runtime/<runtime>/} is the runtime's
 * {@code --root} (Hatchway's containers never mix with anyone else's), {@code tasks/<id>/} each
 * task's {@link TaskDir}. Thread-safe.
 */
public final class RuncBackend implements ComputeBackend {
    private static final Logger log = LoggerFactory.getLogger(RuncBackend.class);
    /** The runtimes this backend drives, by the name {@code optionsJson}'s {@code runtime} uses. */
    public static final List<String> RUNTIMES = List.of("runc", "crun");
    /** The task option naming a task's runtime. */
    static final String RUNTIME_OPTION = "runtime";
    /** The parent of every task's cgroup. */
    public static final String CGROUP_PARENT = "/hatchway";

    /**
     * How a backend is set up.
     *
     * @param runtime the default runtime, {@code runc} or {@code crun}
     * @param stateDir the backend's own directory (the agent gives {@code <stateDir>/runc})
     * @param commandTimeout bound of every runtime command and conmon launch
     * @param fallbackInterval how often exits are checked for beside inotify's events
     * @param shareRoots the host directories {@code share} may expose (after symbolic links are
     *     resolved); Hatchway's state directory never
     * @param binaries the executable of a runtime, by name, where it is not the one found on
     *     {@code PATH} or in the system directories
     */
    public record Config(String runtime, Path stateDir, Duration commandTimeout, Duration fallbackInterval,
            List<Path> shareRoots, Map<String, Path> binaries) {
        public Config {
            Objects.requireNonNull(runtime);
            Objects.requireNonNull(stateDir);
            Objects.requireNonNull(commandTimeout);
            Objects.requireNonNull(fallbackInterval);
            shareRoots = List.copyOf(shareRoots);
            binaries = Map.copyOf(binaries);
        }

        /** The defaults: 30 s per command, a fallback check every second, shares from anywhere ({@code /}). */
        public static Config of(String runtime, Path stateDir) {
            return new Config(runtime, stateDir, Duration.ofSeconds(30), Duration.ofSeconds(1), List.of(Path.of("/")),
                    Map.of());
        }

        /** This configuration with other share roots. */
        public Config withShareRoots(List<Path> roots) {
            return new Config(runtime, stateDir, commandTimeout, fallbackInterval, roots, binaries);
        }

        /** This configuration running {@code runtimeName} from {@code binary}. */
        public Config withBinary(String runtimeName, Path binary) {
            Map<String, Path> all = new LinkedHashMap<>(binaries);
            all.put(runtimeName, binary);
            return new Config(runtime, stateDir, commandTimeout, fallbackInterval, shareRoots, all);
        }

        /** The executable of runtime {@code name}: the one configured, else the one installed. */
        Optional<Path> binary(String name) {
            return Optional.ofNullable(binaries.get(name)).or(() -> OciRuntime.find(name));
        }
    }

    private final RuncContext context;
    private final Config config;

    private RuncBackend(Config config, Map<String, OciRuntime> runtimes, Conmon conmon, CgroupFs cgroups,
            ComputeThreads threads) {
        this.context = new RuncContext(config, Collections.unmodifiableMap(new LinkedHashMap<>(runtimes)), conmon, cgroups,
                new ExitWatcher(config.fallbackInterval(), threads), threads, RuncContext.agentKey(config.stateDir()),
                new ConcurrentHashMap<>());
        this.config = config;
    }

    /**
     * The cgroup of container {@code containerId} (a task id, or a sandbox's) for the backend whose
     * state directory is {@code stateDir}: {@code /hatchway/<agent>-<containerId>}, {@code <agent>}
     * being the first 12 hex digits of the SHA-256 of the state directory's real path. The runtime
     * roots and task files are under the state directory; this name keeps the cgroups apart too,
     * so two agents on different state directories never share one (a task's pids, figures and
     * teardown are its own). A task keeps the path it was created with in its record, so recovery
     * never recomputes it.
     */
    public static String cgroupsPath(Path stateDir, String containerId) {
        return CGROUP_PARENT + "/" + RuncContext.agentKey(stateDir) + "-" + containerId;
    }

    /** This backend's {@link #cgroupsPath(Path, String)}. */
    String cgroupsPath(String containerId) {
        return context.cgroupsPath(containerId);
    }

    /**
     * Opens the backend, its threads taken from {@code threads}, whose owner closes them after the
     * backend.
     *
     * @throws HatchwayException InvalidArgument for a runtime other than runc or crun; Unavailable
     *     naming what is missing here (root, the runtime, conmon, a cgroup file system)
     */
    public static RuncBackend open(Config config, ComputeThreads threads) {
        if (!RUNTIMES.contains(config.runtime())) {
            throw ErrorKind.InvalidArgument.error("runtime '%s': must be one of %s", config.runtime(), RUNTIMES);
        }
        unusableReason(config.runtime()).ifPresent(reason -> {
            throw ErrorKind.Unavailable.error("backend '%s': %s", config.runtime(), reason);
        });
        Map<String, OciRuntime> runtimes = new LinkedHashMap<>();
        for (String name : RUNTIMES) {
            config.binary(name).ifPresent(binary -> runtimes.put(name, new OciRuntime(name, binary,
                    config.stateDir().resolve("runtime").resolve(name), config.commandTimeout(), threads.background())));
        }
        try {
            Files.createDirectories(config.stateDir().resolve("tasks"));
            // The runtime would make its root at the first create, even one it refuses: a refused
            // createTask must leave the state directory as it was.
            Files.createDirectories(runtimes.get(config.runtime()).root());
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("backend '%s': state directory %s: %s", config.runtime(),
                    config.stateDir(), HatchwayException.reason(e));
        }
        Conmon conmon = new Conmon(Conmon.find().orElseThrow(), config.commandTimeout(), threads.pool("hatchway-relay-"),
                threads.background());
        return new RuncBackend(config, runtimes, conmon, CgroupFs.detect(), threads);
    }

    /**
     * Why {@code runtime} cannot be used here, or empty when it can: checked without running
     * anything (root, the binaries, the cgroup file system, and for crun the hybrid cgroup layout
     * it refuses), so it is cheap and bounded.
     */
    public static Optional<String> unusableReason(String runtime) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.of("containers need Linux");
        }
        if (LibC.INSTANCE.getuid() != 0) {
            return Optional.of("needs root (the JVM runs as uid " + LibC.INSTANCE.getuid() + ")");
        }
        if (OciRuntime.find(runtime).isEmpty()) {
            return Optional.of(runtime + " is not installed (not on PATH nor in /usr/sbin, /usr/bin, /sbin, /bin)");
        }
        if (Conmon.find().isEmpty()) {
            return Optional.of("conmon is not installed (not on PATH nor in /usr/sbin, /usr/bin, /sbin, /bin)");
        }
        CgroupFs cgroups = CgroupFs.detect();
        if (!cgroups.available()) {
            return Optional.of("no cgroup file system is mounted");
        }
        if (runtime.equals("crun") && cgroups.hybrid()) {
            return Optional.of("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"
                    + " (crun's own words; this host mounts cgroup v1 controllers and cgroup v2)");
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return config.runtime();
    }

    /** {@code runtime}: the runtime of this task, one of {@link #RUNTIMES}; empty for the backend's own. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(RUNTIME_OPTION);
    }

    CgroupFs cgroups() {
        return context.cgroups();
    }

    /** The runtime a task asked for ({@code ""}: the backend's). */
    OciRuntime runtime(String name) {
        return context.runtime(name);
    }

    /**
     * Creates task {@code id}'s container with the runtime's {@code create} under conmon
     * ({@link ContainerCreate}). The init process exists afterwards, waiting for
     * {@link ComputeSystem#start}.
     *
     * @throws HatchwayException InvalidArgument for a bundle without a root file system or a process
     *     the runtime cannot launch (e.g. a missing binary: runc looks it up at create);
     *     NotImplemented for a process with a terminal; InvalidArgument for {@code isolation:
     *     hypervisor} (no utility VM here); AlreadyExists when the runtime or the cgroup
     *     already has a container of that id; Unavailable with the runtime's own message otherwise.
     *     Nothing is left behind on failure.
     */
    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        Objects.requireNonNull(options);
        Objects.requireNonNull(initStdio);
        options.requireIsolation(name(), Set.of(TaskOptions.Isolation.NONE, TaskOptions.Isolation.SANDBOX));
        return new ContainerCreate(context, id).create(bundle, options, initStdio);
    }

    /**
     * Finds again every task a previous backend on this state directory left: each task directory
     * whose container the runtime still has becomes a {@link RecoveredSystem}, with its init
     * process (its real exit status when it exited meanwhile: conmon wrote it), its sandbox, and
     * the execs whose exit nobody saw. Half-made tasks (no record, no container, a container still
     * {@code creating}) are removed with their cgroups and mounts, and so is every container under
     * this backend's runtime roots that no task owns.
     */
    @Override
    public List<RecoveredSystem> recover() {
        return new Recovery(context).recover();
    }

    /** Stops watching for exits. Containers keep running; an agent started again finds them. */
    @Override
    public void close() {
        context.live().values().forEach(Container::detachStreams);
        context.watcher().close();
    }

    @Override
    public String toString() {
        return "RuncBackend{" + config.runtime() + ", " + config.stateDir() + "}";
    }
}
