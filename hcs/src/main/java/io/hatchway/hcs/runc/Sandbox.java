package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.cli.ExecOptions;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox of an isolated task: CONTRACT.md's Linux analogue of the utility VM. A small
 * container of its own (runtime id {@code <task id>+sandbox}, cgroup
 * {@link RuncBackend#cgroupsPath(Path, String)} of that id) running {@code sleep} from the task's root file system,
 * created before the task's container; it owns the pid, ipc, uts and network namespaces and the
 * task's container joins them ({@code linux.namespaces[].path = /proc/<sandbox pid>/ns/...}).
 *
 * <p>Its root file system is an overlay on the task's (a tmpfs holds the upper layer, so the
 * task's files are never written), mounted by Hatchway with shared propagation and entered by the
 * sandbox with {@code rootfsPropagation: rslave}: a mount Hatchway makes on the host under that
 * directory appears live inside the sandbox. That is how {@link #share} works; what it accepts
 * is {@link ShareRule}.
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
    private final AtomicInteger hostExecs = new AtomicInteger();
    private final SandboxShares shares;

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
        this.shares = new SandboxShares(id, dir, context.config().shareRoots(), context.config().stateDir());
    }

    private static MonitorDir monitorDir(Path dir) {
        return new MonitorDir(dir.resolve("init"));
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
        SandboxRootfs.checkLowerDir(taskRootfs);
        String id = taskId + SUFFIX;
        boolean done = false;
        try {
            Path rootfs = SandboxRootfs.mount(dir, taskRootfs);
            ObjectNode spec = taskSpec.deepCopy();
            spec.remove("hooks");
            ObjectNode root = spec.putObject("root");
            root.put("path", rootfs.toString());
            root.put("readonly", false);
            ObjectNode process = spec.withObjectProperty("process");
            process.set("args", Json.MAPPER.valueToTree(List.of("sleep", "2147483647")));
            process.put("terminal", false);
            process.put("cwd", "/");
            for (String ours : List.of("stdin", "stdout", "stderr", "consoleSize")) {
                process.remove(ours);
            }
            ObjectNode linux = spec.withObjectProperty("linux");
            linux.put("cgroupsPath", context.cgroupsPath(id));
            linux.put("rootfsPropagation", "rslave");
            TaskDir.write(dir.resolve("bundle/config.json"), spec);
            MonitorDir init = monitorDir(dir);
            Files.createDirectories(init.dir()); // for its logs, opened before conmon runs
            Monitor monitor = context.conmon().create(runtime, id, dir.resolve("bundle"), init,
                    context.conmon().open(new Stdio(Optional.empty(), init.dir().resolve("stdout.log"),
                            init.dir().resolve("stderr.log")), "create of " + id));
            Sandbox sandbox = new Sandbox(context, runtime, taskId, dir, process, monitor);
            runtime.start(id);
            done = true;
            return sandbox;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("isolation 'sandbox' of task '%s': %s", taskId,
                    HatchwayException.reason(e));
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
        sandbox.shares.readRecords();
        return Optional.of(sandbox);
    }

    /** Removes a sandbox's container (if any), mounts, cgroup and directory. */
    private static void discard(RuncContext context, OciRuntime runtime, String id, Path dir) {
        context.removeContainer(runtime, id);
        Mounts.unmountAll(dir);
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
        return new ContainerCgroup(context.cgroups(), cgroupsPath).statistics("the sandbox of task '" + container.id() + "'");
    }

    /**
     * Runs {@code spec} in the sandbox with the runtime's {@code exec} (not under conmon: it is not
     * an exec of the task, and the runtime waits for it) and returns its exit code.
     *
     * @throws HatchwayException DeadlineExceeded after {@code timeout}: the process is killed first
     */
    int execInHost(ProcessSpec spec, Duration timeout) {
        OciProcess.checkTerminal(spec);
        Path work = dir.resolve("hostexec").resolve(Integer.toString(hostExecs.incrementAndGet()));
        ObjectNode exec = OciProcess.exec(spec, process);
        Path pidFile = work.resolve("pid");
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean killed = new AtomicBoolean();
        Future<?> deadline = null;
        try {
            TaskDir.write(work.resolve("process.json"), exec);
            Stdio stdio = new Stdio(spec.stdin().map(Path::of), spec.stdout().map(Path::of).orElse(Stdio.DEV_NULL),
                    spec.stderr().map(Path::of).orElse(Stdio.DEV_NULL));
            deadline = context.threads().later(timeout, () -> {
                if (!finished.get()) {
                    killed.set(true);
                    killQuietly(pidFile);
                }
            });
            int code = runtime.exec(id, work.resolve("process.json"),
                    new ExecOptions(Optional.of(pidFile), false, stdio, Optional.of(work.resolve("runtime.log"))),
                    timeout.plus(STOP_WAIT));
            finished.set(true);
            if (killed.get()) {
                throw ErrorKind.DeadlineExceeded.error("process in the sandbox of task '%s' ran longer than %d ms;"
                        + " it was killed", id.substring(0, id.length() - SUFFIX.length()), timeout.toMillis());
            }
            return code;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("execInHost: writing %s: %s", work, HatchwayException.reason(e));
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
     * The kernel stack and wait channel of every process in the sandbox's pid namespace (the
     * sandbox's own and the task's); see {@link GuestStacks}.
     */
    String dumpGuestStacks(Duration timeout) {
        return GuestStacks.dump(id, pid(), timeout);
    }

    /** Makes {@code hostPath} appear at {@code guestPath} in the sandbox, live; see {@link SandboxShares#add}. */
    void share(Path hostPath, String guestPath, boolean readOnly) {
        if (!running()) {
            throw ErrorKind.FailedPrecondition.error("the sandbox of task '%s' is not running", taskId());
        }
        shares.add(hostPath, guestPath, readOnly);
    }

    private String taskId() {
        return id.substring(0, id.length() - SUFFIX.length());
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
