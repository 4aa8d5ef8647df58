package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Threads;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.linux.Mounts.MountException;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.cli.ExecOptions;
import io.hatchway.hcs.runc.cli.Io;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox of an isolated task: CONTRACT.md's Linux analogue of the utility VM. A small
 * container of its own (runtime id {@code <task id>+sandbox}, cgroup
 * {@code /hatchway/<task id>+sandbox}) running {@code sleep} from the task's root file system,
 * created before the task's container; it owns the pid, ipc, uts and network namespaces and the
 * task's container joins them ({@code linux.namespaces[].path = /proc/<sandbox pid>/ns/...}).
 *
 * <p>Its root file system is an overlay on the task's (a tmpfs holds the upper layer, so the
 * task's files are never written), mounted by Hatchway with shared propagation and entered by the
 * sandbox with {@code rootfsPropagation: rslave}: a mount Hatchway makes on the host under that
 * directory appears live inside the sandbox. That is how {@link #share} works.
 *
 * <p><b>Share rule.</b> {@code hostPath} must be absolute, hold no {@code .} or {@code ..}
 * segment, exist, and once every symbolic link is resolved lie inside one of the backend's share
 * roots ({@link RuncBackend.Config#shareRoots}, default {@code /}) and outside Hatchway's state
 * directory; it must be a directory or a regular file. {@code guestPath} must be absolute, not
 * {@code /}, hold no {@code .} or {@code ..} segment, and cross no symbolic link inside the
 * sandbox; missing directories on the way are created in the sandbox's own layer. Anything else
 * is InvalidArgument; a guest path already shared is AlreadyExists.
 *
 * <p>Thread-safe.
 */
final class Sandbox {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
    /** Makes the sandbox's runtime id and cgroup name, which no task id can take ('+' is not allowed in one). */
    static final String SUFFIX = "+sandbox";
    /** The namespaces the sandbox owns and the task's container joins, by OCI type and /proc/<pid>/ns name. */
    private static final Map<String, String> JOINED = Map.of("pid", "pid", "ipc", "ipc", "uts", "uts", "network", "net");
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final RuncContext context;
    private final OciRuntime runtime;
    private final String id;
    private final Path dir;
    private final String cgroupsPath;
    private final ObjectNode process;
    private final Monitor monitor;
    private final CompletableFuture<Long> exit;
    private final AtomicInteger counter = new AtomicInteger();
    private final List<ShareRecord> shares = new ArrayList<>(); // guarded by this

    /** One share, as kept in {@code shares.json}. */
    record ShareRecord(int number, String hostPath, String guestPath, boolean readOnly) {
    }

    private Sandbox(RuncContext context, OciRuntime runtime, String taskId, Path dir, ObjectNode process,
            Monitor monitor) {
        this.context = context;
        this.runtime = runtime;
        this.id = taskId + SUFFIX;
        this.dir = dir;
        this.cgroupsPath = context.cgroupsPath(id);
        this.process = process;
        this.monitor = monitor;
        this.exit = context.watcher().exitOf(monitorDir(dir).exitFile(id), monitor);
    }

    private static MonitorDir monitorDir(Path dir) {
        return new MonitorDir(dir.resolve("init"));
    }

    private static Path rootfs(Path dir) {
        return dir.resolve("rootfs");
    }

    /**
     * Creates and starts the sandbox of task {@code taskId} in {@code dir}, from the task's spec and
     * root file system. On failure nothing is left.
     *
     * @throws HatchwayException InvalidArgument for a spec it cannot isolate (a user namespace) or a
     *     root file system without {@code sleep}; Unavailable for what the host refuses
     */
    static Sandbox create(RuncContext context, OciRuntime runtime, String taskId, Path dir, ObjectNode taskSpec,
            Path taskRootfs) {
        for (JsonNode ns : taskSpec.path("linux").path("namespaces")) {
            if (ns.path("type").asText().equals("user")) {
                throw ErrorKind.NotImplemented.error("isolation 'sandbox': a spec with a user namespace");
            }
        }
        if (taskRootfs.toString().matches(".*[,:].*")) {
            throw ErrorKind.InvalidArgument.error("isolation 'sandbox': root file system '%s' has a ',' or ':', which"
                    + " an overlay mount cannot name", taskRootfs);
        }
        String id = taskId + SUFFIX;
        boolean done = false;
        try {
            prepareRootfs(dir, taskRootfs);
            ObjectNode spec = taskSpec.deepCopy();
            spec.remove("hooks");
            ObjectNode root = spec.putObject("root");
            root.put("path", rootfs(dir).toString());
            root.put("readonly", false);
            ObjectNode process = spec.with("process");
            process.set("args", Json.MAPPER.valueToTree(List.of("sleep", "2147483647")));
            process.put("terminal", false);
            process.put("cwd", "/");
            for (String ours : List.of("stdin", "stdout", "stderr", "consoleSize")) {
                process.remove(ours);
            }
            ObjectNode linux = spec.with("linux");
            linux.put("cgroupsPath", context.cgroupsPath(id));
            linux.put("rootfsPropagation", "rslave");
            TaskDir.write(dir.resolve("bundle/config.json"), spec);
            MonitorDir init = monitorDir(dir);
            Monitor monitor = context.conmon().create(runtime, id, dir.resolve("bundle"), init,
                    new Io(Optional.empty(), Optional.of(init.dir().resolve("stdout.log")),
                            Optional.of(init.dir().resolve("stderr.log"))));
            Sandbox sandbox = new Sandbox(context, runtime, taskId, dir, process, monitor);
            runtime.start(id);
            done = true;
            return sandbox;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("isolation 'sandbox' of task '%s': %s", taskId, e.getMessage());
        } finally {
            if (!done) {
                discard(context, runtime, id, dir);
            }
        }
    }

    /** Finds the sandbox of a task again after a restart; empty when it is gone. */
    static Optional<Sandbox> recover(RuncContext context, OciRuntime runtime, String taskId, Path dir,
            ObjectNode process) {
        Optional<Monitor> monitor = Monitor.read(monitorDir(dir));
        if (monitor.isEmpty()) {
            return Optional.empty();
        }
        Sandbox sandbox = new Sandbox(context, runtime, taskId, dir, process, monitor.get());
        TaskDir.read(dir.resolve("shares.json"), ShareRecord[].class)
                .ifPresent(records -> sandbox.shares.addAll(List.of(records)));
        sandbox.counter.set(sandbox.shares.stream().mapToInt(ShareRecord::number).max().orElse(0));
        return Optional.of(sandbox);
    }

    /** A tmpfs for the writable layer, the overlay on the task's root file system, made a shared mount. */
    private static void prepareRootfs(Path dir, Path taskRootfs) throws IOException {
        Path layer = dir.resolve("layer");
        Path rootfs = rootfs(dir);
        Files.createDirectories(layer);
        Files.createDirectories(rootfs);
        Mounts.mount("tmpfs", layer, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "mode=0700,size=64m");
        Files.createDirectories(layer.resolve("upper"));
        Files.createDirectories(layer.resolve("work"));
        Mounts.mount("overlay", rootfs, "overlay", 0, "lowerdir=" + taskRootfs + ",upperdir=" + layer.resolve("upper")
                + ",workdir=" + layer.resolve("work"));
        Mounts.propagation(rootfs, LibC.MS_SHARED);
    }

    /** Removes a sandbox's container (if any), mounts, cgroup and directory. */
    private static void discard(RuncContext context, OciRuntime runtime, String id, Path dir) {
        try {
            runtime.delete(id, true);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                log.warn("sandbox '{}': {}", id, e.getMessage());
            }
        }
        Mounts.unmountAll(dir);
        context.cgroups().removeIfEmpty(context.cgroupsPath(id));
        TaskDir.delete(dir);
    }

    String id() {
        return id;
    }

    int pid() {
        return monitor.pid();
    }

    /** Whether the sandbox's process still runs. */
    boolean running() {
        return !exit.isDone();
    }

    /** Makes the task's spec join the sandbox's namespaces (those the spec asks for). */
    void join(ObjectNode taskSpec) {
        JsonNode namespaces = taskSpec.path("linux").path("namespaces");
        if (!namespaces.isArray()) {
            return;
        }
        for (JsonNode ns : (ArrayNode) namespaces) {
            String name = JOINED.get(ns.path("type").asText());
            if (name != null && !ns.has("path")) {
                ((ObjectNode) ns).put("path", "/proc/" + pid() + "/ns/" + name);
            }
        }
    }

    Statistics statistics(Container container) {
        return container.cgroupStatistics(cgroupsPath, "the sandbox of task '" + container.id() + "'");
    }

    /**
     * Runs {@code spec} in the sandbox with the runtime's {@code exec} (not under conmon: it is not
     * an exec of the task, and the runtime waits for it) and returns its exit code.
     *
     * @throws HatchwayException DeadlineExceeded after {@code timeout}: the process is killed first
     */
    int execInHost(ProcessSpec spec, Duration timeout) {
        Container.checkTerminal(spec);
        Path work = dir.resolve("hostexec").resolve(Integer.toString(counter.incrementAndGet()));
        ObjectNode exec = Container.withDefaults(spec, process);
        Path pidFile = work.resolve("pid");
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean killed = new AtomicBoolean();
        java.util.concurrent.Future<?> deadline = null;
        try {
            TaskDir.write(work.resolve("process.json"), exec);
            Path discard = Path.of("/dev/null");
            Io io = new Io(spec.stdin().map(Path::of), Optional.of(spec.stdout().map(Path::of).orElse(discard)),
                    Optional.of(spec.stderr().map(Path::of).orElse(discard)));
            deadline = Threads.later(timeout, () -> {
                if (!finished.get()) {
                    killed.set(true);
                    killQuietly(pidFile);
                }
            });
            int code = runtime.exec(id, work.resolve("process.json"),
                    new ExecOptions(Optional.of(pidFile), false, io, Optional.of(work.resolve("runtime.log"))),
                    timeout.plus(STOP_WAIT));
            finished.set(true);
            if (killed.get()) {
                throw ErrorKind.DeadlineExceeded.error("process in the sandbox of task '%s' ran longer than %d ms;"
                        + " it was killed", id.substring(0, id.length() - SUFFIX.length()), timeout.toMillis());
            }
            return code;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("execInHost: writing %s: %s", work, e);
        } catch (HatchwayException e) {
            finished.set(true);
            killQuietly(pidFile);
            throw LaunchFailure.classify(e);
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            TaskDir.delete(work);
        }
    }

    private static void killQuietly(Path pidFile) {
        try {
            LibC.killQuietly(Integer.parseInt(Files.readString(pidFile).strip()), Signals.SIGKILL);
        } catch (IOException | NumberFormatException e) { // not started
        }
    }

    /**
     * The kernel stack ({@code /proc/<pid>/stack}) and wait channel of every process in the
     * sandbox's pid namespace (the sandbox's own and the task's), host pids, bounded by
     * {@code timeout}.
     */
    String dumpGuestStacks(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path proc = Path.of("/proc");
        String namespace;
        try {
            namespace = Files.readSymbolicLink(proc.resolve(pid() + "/ns/pid")).toString();
        } catch (IOException e) {
            return "sandbox '" + id + "': not running (" + e.getMessage() + ")\n";
        }
        StringBuilder out = new StringBuilder();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : pids) {
                if (System.nanoTime() - deadline > 0) {
                    out.append("... stopped after ").append(timeout.toMillis()).append(" ms\n");
                    break;
                }
                try {
                    if (!Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(namespace)) {
                        continue;
                    }
                    int pid = Integer.parseInt(p.getFileName().toString());
                    Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
                    out.append("pid ").append(pid).append(" (").append(stat.map(ProcFs.Stat::command).orElse("?"))
                            .append(") state ").append(stat.map(s -> String.valueOf(s.state())).orElse("?"))
                            .append(" wchan ").append(readOr(p.resolve("wchan"), "?")).append('\n')
                            .append(readOr(p.resolve("stack"), "(stack unreadable)\n")).append('\n');
                } catch (IOException | RuntimeException e) { // exited meanwhile
                }
            }
        } catch (IOException e) {
            out.append("cannot list /proc: ").append(e.getMessage()).append('\n');
        }
        return out.toString();
    }

    private static String readOr(Path file, String fallback) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fallback;
        }
    }

    /** Makes {@code hostPath} appear at {@code guestPath} in the sandbox, live; see the class's share rule. */
    synchronized void share(Path hostPath, String guestPath, boolean readOnly) {
        if (!running()) {
            throw ErrorKind.FailedPrecondition.error("the sandbox of task '%s' is not running", taskId());
        }
        Path source = checkHostPath(hostPath, context.config().shareRoots(), context.config().stateDir());
        boolean file = Files.isRegularFile(source);
        Path target = guestTarget(guestPath, file);
        int number = counter.incrementAndGet();
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
            throw ErrorKind.Unavailable.error("share '%s': host side: %s", hostPath, e.getMessage());
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
            log.warn("sandbox '{}': recording shares: {}", id, e.toString());
        }
    }

    private static void rollback(Path stage) {
        try {
            Mounts.unmount(stage, true);
        } catch (MountException e) { // not mounted
        }
        TaskDir.delete(stage);
    }

    private String taskId() {
        return id.substring(0, id.length() - SUFFIX.length());
    }

    /** The host side of the share rule: the real path of an existing, allowed directory or file. */
    static Path checkHostPath(Path hostPath, List<Path> roots, Path stateDir) {
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

    /** The guest side of the share rule: the mount point under the sandbox's root, made when missing. */
    private Path guestTarget(String guestPath, boolean file) {
        if (!guestPath.startsWith("/")) {
            throw ErrorKind.InvalidArgument.error("guestPath '%s': not an absolute path", guestPath);
        }
        Path guest = Path.of(guestPath);
        if (guest.getNameCount() == 0) {
            throw ErrorKind.InvalidArgument.error("guestPath '/': cannot share onto the sandbox's root");
        }
        Path target = rootfs(dir);
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
                        guest.subpath(0, i + 1), e.getMessage());
            }
        }
        if (Mounts.isMountPoint(target)) {
            throw ErrorKind.AlreadyExists.error("guestPath '%s' is already shared", guestPath);
        }
        return target;
    }

    /**
     * Stops and removes the sandbox: kill, bounded wait, plain delete (forced when it would not
     * stop), then its mounts, cgroup and directory. Idempotent.
     */
    void close() {
        if (running()) {
            try {
                runtime.kill(id, Signals.SIGKILL, true);
            } catch (HatchwayException e) {
                log.debug("sandbox '{}': {}", id, e.getMessage());
            }
        }
        boolean stopped = Container.await(exit, STOP_WAIT);
        try {
            runtime.delete(id, !stopped);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                log.warn("sandbox '{}': {}", id, e.getMessage());
            }
        }
        discard(context, runtime, id, dir);
    }

    @Override
    public String toString() {
        return "Sandbox{" + id + ", pid " + pid() + "}";
    }
}
