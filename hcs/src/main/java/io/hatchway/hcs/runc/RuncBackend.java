package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.TaskDir.TaskRecord;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.ContainerState;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import io.hatchway.hcs.runc.conmon.ExitWatcher;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
    /** The parent of every task's cgroup. */
    public static final String CGROUP_PARENT = "/hatchway";
    /** Hex digits of the state directory's hash in a cgroup's name: 48 bits, no collision among a host's agents. */
    private static final int AGENT_KEY_LENGTH = 12;

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

    private final Config config;
    private final Map<String, OciRuntime> runtimes;
    private final Conmon conmon;
    private final CgroupFs cgroups;
    private final ExitWatcher watcher;
    private final Map<String, Container> live = new ConcurrentHashMap<>();
    private final String agentKey;

    private RuncBackend(Config config, Map<String, OciRuntime> runtimes, Conmon conmon, CgroupFs cgroups) {
        this.config = config;
        this.runtimes = runtimes;
        this.conmon = conmon;
        this.cgroups = cgroups;
        this.agentKey = agentKey(config.stateDir());
        this.watcher = new ExitWatcher(config.fallbackInterval());
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
        return CGROUP_PARENT + "/" + agentKey(stateDir) + "-" + containerId;
    }

    /** This backend's {@link #cgroupsPath(Path, String)}. */
    String cgroupsPath(String containerId) {
        return CGROUP_PARENT + "/" + agentKey + "-" + containerId;
    }

    private static String agentKey(Path stateDir) {
        Path path;
        try {
            path = stateDir.toRealPath();
        } catch (IOException e) { // gone already (a test's check after its clean-up): the path as given
            path = stateDir.toAbsolutePath().normalize();
        }
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash).substring(0, AGENT_KEY_LENGTH);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Opens the backend.
     *
     * @throws HatchwayException InvalidArgument for a runtime other than runc or crun; Unavailable
     *     naming what is missing here (root, the runtime, conmon, a cgroup file system)
     */
    public static RuncBackend open(Config config) {
        if (!RUNTIMES.contains(config.runtime())) {
            throw ErrorKind.InvalidArgument.error("runtime '%s': must be one of %s", config.runtime(), RUNTIMES);
        }
        unusableReason(config.runtime()).ifPresent(reason -> {
            throw ErrorKind.Unavailable.error("backend '%s': %s", config.runtime(), reason);
        });
        Map<String, OciRuntime> runtimes = new LinkedHashMap<>();
        for (String name : RUNTIMES) {
            config.binary(name).ifPresent(binary -> runtimes.put(name, new OciRuntime(name, binary,
                    config.stateDir().resolve("runtime").resolve(name), config.commandTimeout())));
        }
        try {
            Files.createDirectories(config.stateDir().resolve("tasks"));
            // The runtime would make its root at the first create, even one it refuses: a refused
            // createTask must leave the state directory as it was.
            Files.createDirectories(runtimes.get(config.runtime()).root());
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("backend '%s': state directory %s: %s", config.runtime(),
                    config.stateDir(), e);
        }
        Conmon conmon = new Conmon(Conmon.find().orElseThrow(), config.commandTimeout());
        return new RuncBackend(config, runtimes, conmon, CgroupFs.detect());
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

    Config config() {
        return config;
    }

    Conmon conmon() {
        return conmon;
    }

    CgroupFs cgroups() {
        return cgroups;
    }

    ExitWatcher watcher() {
        return watcher;
    }

    /** The runtime a task asked for ({@code ""}: the backend's). */
    OciRuntime runtime(String name) {
        String wanted = name.isEmpty() ? config.runtime() : name;
        if (!RUNTIMES.contains(wanted)) {
            throw ErrorKind.InvalidArgument.error("runtime '%s': must be one of %s", wanted, RUNTIMES);
        }
        OciRuntime runtime = runtimes.get(wanted);
        if (runtime == null) {
            throw ErrorKind.Unavailable.error("runtime '%s' is not installed", wanted);
        }
        return runtime;
    }

    TaskDir taskDir(String id) {
        return new TaskDir(config.stateDir().resolve("tasks").resolve(id));
    }

    /** Creates with the init process's streams in the task's state directory ({@code init/stdout.log}, ...). */
    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options) {
        Path init = taskDir(id).init().dir();
        return create(id, bundle, options, new Stdio(Optional.empty(), init.resolve("stdout.log"),
                init.resolve("stderr.log")));
    }

    /**
     * Creates task {@code id}'s container with the runtime's {@code create} under conmon. The init
     * process exists afterwards, waiting for {@link ComputeSystem#start}.
     *
     * @throws HatchwayException InvalidArgument for a bundle without a root file system or a process
     *     the runtime cannot launch (e.g. a missing binary: runc looks it up at create);
     *     NotImplemented for a process with a terminal; AlreadyExists when the runtime or the cgroup
     *     already has a container of that id; Unavailable with the runtime's own message otherwise.
     *     Nothing is left behind on failure.
     */
    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        Objects.requireNonNull(options);
        Objects.requireNonNull(initStdio);
        OciRuntime runtime = runtime(options.runtime());
        Container.checkTerminal(bundle.process());
        ObjectNode spec = bundle.config();
        Path rootfs = rootfs(bundle, spec);
        String cgroupsPath = cgroupsPath(id);
        TaskDir dir = taskDir(id);
        checkFree(id, runtime, dir, cgroupsPath);

        TaskRecord record = new TaskRecord(id, bundle.dir().toString(), runtime.name(), options.sandbox(),
                cgroupsPath, initStdio.stdin().map(Path::toString).orElse(null), initStdio.stdout().toString(),
                initStdio.stderr().toString(), Instant.now().toString());
        boolean created = false;
        Sandbox sandbox = null;
        try {
            dir.writeTask(record);
            ObjectNode process = (ObjectNode) spec.get("process");
            for (String ours : List.of("stdin", "stdout", "stderr")) {
                process.remove(ours);
            }
            if (options.sandbox()) {
                sandbox = Sandbox.create(this, runtime, id, dir.sandbox(), spec, rootfs);
                sandbox.join(spec);
            }
            ((ObjectNode) spec.with("root")).put("path", rootfs.toString());
            spec.with("linux").put("cgroupsPath", cgroupsPath);
            TaskDir.write(dir.bundle().resolve("config.json"), spec);
            Files.createDirectories(initStdio.stdout().getParent());
            Files.createDirectories(initStdio.stderr().getParent());
            Monitor monitor = conmon.create(runtime, id, dir.bundle(), dir.init(), Container.io(initStdio));
            created = true;
            Container container = new Container(this, runtime, dir, record, process, Optional.ofNullable(sandbox),
                    monitor, false, 0);
            live.put(id, container);
            return container;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("task '%s': writing its state under %s: %s", id, dir.dir(), e);
        } finally {
            if (!created) {
                if (sandbox != null) {
                    sandbox.close();
                }
                discard(id, runtime, dir, cgroupsPath);
            }
        }
    }

    /** The bundle's root file system, which must be a directory. */
    private static Path rootfs(Bundle bundle, ObjectNode spec) {
        JsonNode root = spec.path("root").path("path");
        if (!root.isTextual() || root.asText().isEmpty()) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json has no root.path", bundle);
        }
        Path rootfs = bundle.dir().resolve(root.asText()).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': root file system '%s' is not a directory", bundle,
                    rootfs);
        }
        return rootfs;
    }

    /** Refuses an id the runtime or the cgroup tree already uses; clears a dead predecessor's leftovers. */
    private void checkFree(String id, OciRuntime runtime, TaskDir dir, String cgroupsPath) {
        if (live.containsKey(id)) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
        }
        // The runtime's own test (runc and crun refuse a create when <root>/<id> exists), without
        // running it: a `state` command cost about a tenth of createTask + start (issue 5's benchmark).
        // Under every runtime's root: a task's state directory is per id, whichever runtime runs it.
        for (OciRuntime any : runtimes.values()) {
            if (Files.exists(any.root().resolve(id), LinkOption.NOFOLLOW_LINKS)) {
                throw ErrorKind.AlreadyExists.error("container '%s' already exists in %s (under %s)", id, any.name(),
                        any.root());
            }
        }
        TaskDir.delete(dir.dir());
        if (cgroups.exists(cgroupsPath)) {
            cgroups.removeIfEmpty(cgroupsPath);
            if (cgroups.exists(cgroupsPath)) {
                throw ErrorKind.AlreadyExists.error("cgroup %s is in use by processes outside Hatchway's %s root",
                        cgroupsPath, runtime.name());
            }
        }
    }

    /** Removes what a failed create may have made: the container, its cgroup, its state. */
    private void discard(String id, OciRuntime runtime, TaskDir dir, String cgroupsPath) {
        try {
            runtime.delete(id, true);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                log.warn("task '{}': removing the half-created container: {}", id, e.getMessage());
            }
        }
        cgroups.removeIfEmpty(cgroupsPath);
        TaskDir.delete(dir.dir());
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
        List<RecoveredSystem> out = new ArrayList<>();
        Path tasks = config.stateDir().resolve("tasks");
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks, Files::isDirectory)) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString();
                if (live.containsKey(id)) {
                    continue;
                }
                try {
                    recover(new TaskDir(dir)).ifPresent(out::add);
                } catch (RuntimeException e) {
                    log.warn("task '{}': not recovered: {}", id, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("recovery: cannot list {}: {}", tasks, e.toString());
        }
        for (OciRuntime runtime : runtimes.values()) {
            if (!Files.isDirectory(runtime.root())) {
                continue;
            }
            try {
                for (ContainerState container : runtime.list()) {
                    String owner = container.id().endsWith(Sandbox.SUFFIX)
                            ? container.id().substring(0, container.id().length() - Sandbox.SUFFIX.length())
                            : container.id();
                    Container task = live.get(owner);
                    if (task == null || task.runtime() != runtime) {
                        log.info("recovery: removing container '{}' of {}: no task owns it", container.id(),
                                runtime.name());
                        removeContainer(runtime, container.id());
                    }
                }
            } catch (HatchwayException e) {
                log.warn("recovery: {}", e.getMessage());
            }
        }
        return out;
    }

    private Optional<RecoveredSystem> recover(TaskDir dir) {
        String id = dir.dir().getFileName().toString();
        Optional<TaskRecord> found = dir.readTask().filter(r -> r.id().equals(id));
        if (found.isEmpty()) {
            log.info("recovery: removing half-made task '{}' (no record)", id);
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        TaskRecord record = found.get();
        OciRuntime runtime = runtimes.get(record.runtime());
        if (runtime == null) {
            log.warn("recovery: task '{}' runs on {}, which is not installed; left as it is", id, record.runtime());
            return Optional.empty();
        }
        awaitLaunches(dir);
        ContainerState state;
        try {
            state = runtime.state(id);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e;
            }
            log.info("recovery: removing task '{}': its container is gone", id);
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        Optional<Monitor> monitor = Monitor.recorded(dir.init());
        // A container still created whose conmon is gone was left by an agent that died in its
        // createTask (conmon exits when it cannot report the pid): that create never answered, and
        // a start would run a process nobody monitors.
        if (state.status() == null || state.status().equals("creating") || monitor.isEmpty()
                || (state.isCreated() && !monitor.get().monitorAlive())) {
            log.info("recovery: removing half-made task '{}' ({})", id, state.status());
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        ObjectNode spec;
        try {
            spec = (ObjectNode) Json.MAPPER.readTree(dir.bundle().resolve("config.json").toFile());
        } catch (IOException | ClassCastException e) {
            log.info("recovery: removing task '{}': its spec is unreadable ({})", id, e.toString());
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        ObjectNode process = spec.with("process");
        Optional<Sandbox> sandbox = record.sandbox()
                ? Sandbox.recover(this, runtime, id, dir.sandbox(), process) : Optional.empty();
        boolean started = !state.isCreated();
        List<MonitorDir> execDirs = execDirs(dir);
        int execCount = execDirs.stream().mapToInt(d -> Integer.parseInt(d.dir().getFileName().toString()))
                .max().orElse(0);
        Container container = new Container(this, runtime, dir, record, process, sandbox, monitor.get(), started,
                execCount);
        live.put(id, container);

        List<RecoveredSystem.Process> execs = new ArrayList<>();
        for (MonitorDir execDir : execDirs) {
            Optional<TaskDir.ExecRecord> exec = TaskDir.readExec(execDir);
            Optional<Monitor> execMonitor = Monitor.recorded(execDir);
            if (exec.isEmpty() || execMonitor.isEmpty()) { // the launch never got as far as a process
                TaskDir.delete(execDir.dir());
                continue;
            }
            ContainerProcess tracked = container.track(execDir, execMonitor.get());
            if (exec.get().execId() != null && !exec.get().execId().isEmpty()) {
                execs.add(new RecoveredSystem.Process(exec.get().execId(), spec(exec.get().process()),
                        exec.get().stdio(), Optional.of(tracked)));
            }
        }
        RecoveredSystem.Process init = new RecoveredSystem.Process("", spec(process), record.stdio(),
                started ? Optional.of(container.init()) : Optional.empty());
        TaskOptions options = new TaskOptions(record.sandbox(),
                record.runtime().equals(config.runtime()) ? "" : record.runtime());
        log.info("recovery: task '{}' found ({}, {} exec(s))", id, state.status(), execs.size());
        return Optional.of(new RecoveredSystem(id, bundle(record, dir), options, container, init, execs));
    }

    /**
     * Lets the conmons an agent killed during createTask or an exec's start left launching finish
     * first (bounded by the command timeout), so the task and its execs are judged as they end up.
     */
    private void awaitLaunches(TaskDir dir) {
        Monitor.awaitLaunch(dir.init(), config.commandTimeout());
        for (MonitorDir exec : execDirs(dir)) {
            Monitor.awaitLaunch(exec, config.commandTimeout());
        }
    }

    private static List<MonitorDir> execDirs(TaskDir dir) {
        List<MonitorDir> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir.execs(),
                p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : dirs) {
                out.add(new MonitorDir(p));
            }
        } catch (IOException e) { // no execs
        }
        return out;
    }

    private static ProcessSpec spec(JsonNode process) {
        return ProcessSpec.parse(Json.write(process));
    }

    /** The caller's bundle, or the backend's copy of its spec when the caller's is gone. */
    private static Bundle bundle(TaskRecord record, TaskDir dir) {
        try {
            return Bundle.load(record.bundle());
        } catch (HatchwayException e) {
            return Bundle.load(dir.bundle().toString());
        }
    }

    /** Removes whatever a task directory may have made: containers, mounts, cgroups, the directory. */
    private void removeHalfMade(TaskDir dir, String id) {
        for (OciRuntime runtime : runtimes.values()) {
            removeContainer(runtime, id + Sandbox.SUFFIX);
            removeContainer(runtime, id);
        }
        Mounts.unmountAll(dir.dir());
        TaskDir.delete(dir.dir());
    }

    private void removeContainer(OciRuntime runtime, String containerId) {
        try {
            runtime.kill(containerId, Signals.SIGKILL, true);
        } catch (HatchwayException e) { // gone or not running
        }
        try {
            runtime.delete(containerId, true);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                log.warn("recovery: {}", e.getMessage());
            }
        }
        cgroups.removeIfEmpty(cgroupsPath(containerId));
    }

    void forget(Container container) {
        live.remove(container.id(), container);
    }

    /** Stops watching for exits. Containers keep running; an agent started again finds them. */
    @Override
    public void close() {
        watcher.close();
    }

    @Override
    public String toString() {
        return "RuncBackend{" + config.runtime() + ", " + config.stateDir() + "}";
    }
}
