package io.hatchway.hcs.process;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A task on the process backend: its init process and additional processes, each the root of a
 * host process tree. The system has stopped once the init process has exited (or the system was
 * shut down before it started) and no root process is left.
 *
 * <p>Children that leave their tree (daemons that re-parent to init) are not the task's any more:
 * host processes have no container to hold them. That is the process backend's limit. Children
 * that Hatchway itself orphans, by signalling their parent, stay the task's: they are adopted
 * just before the signal, and the system has not stopped while one of them lives.
 */
final class ProcessSystem implements ComputeSystem {
    private static final File NO_INPUT = new File("/dev/null");

    private final String id;
    private final Bundle bundle;
    private final Set<HostProcess> live = ConcurrentHashMap.newKeySet();
    /** Live descendants of a signalled root, which its death would otherwise orphan. */
    private final Set<ProcessHandle> adopted = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private boolean started; // guarded by this
    private volatile boolean stopping;

    ProcessSystem(String id, Bundle bundle) {
        this.id = id;
        this.bundle = bundle;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isolated() {
        return false;
    }

    @Override
    public void checkSignal(int signal) {
        Signals.checkLinux(signal);
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        if (spec.terminal()) {
            throw ErrorKind.NotImplemented.error("terminal: the process backend has no consoles");
        }
        int uid = LibC.INSTANCE.getuid();
        if (spec.uid().isPresent() && spec.uid().get() != uid) {
            throw ErrorKind.InvalidArgument.error(
                    "user.uid %d: the process backend runs processes as the JVM's own user (uid %d) only",
                    spec.uid().get(), uid);
        }
        int gid = LibC.INSTANCE.getgid();
        if (spec.gid().isPresent() && spec.gid().get() != gid) {
            throw ErrorKind.InvalidArgument.error(
                    "user.gid %d: the process backend runs processes as the JVM's own group (gid %d) only",
                    spec.gid().get(), gid);
        }
    }

    @Override
    public synchronized ComputeProcess start(Stdio stdio) {
        if (started || stopping) {
            throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
        }
        HostProcess init = launch(bundle.process(), stdio);
        started = true;
        init.exited().whenComplete((code, error) -> {
            stopping = true;
            stopIfEmpty();
        });
        return init;
    }

    @Override
    public synchronized ComputeProcess exec(ProcessSpec spec, Stdio stdio) {
        if (!started || stopping) {
            throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
        }
        checkProcess(spec);
        return launch(spec, stdio);
    }

    private HostProcess launch(ProcessSpec spec, Stdio stdio) {
        ProcessBuilder builder = new ProcessBuilder(spec.args())
                .directory(new File(spec.cwd()))
                .redirectInput(stdio.stdin().map(Path::toFile).map(Redirect::from).orElse(Redirect.from(NO_INPUT)))
                .redirectOutput(Redirect.appendTo(stdio.stdout().toFile()))
                .redirectError(Redirect.appendTo(stdio.stderr().toFile()));
        builder.environment().clear();
        for (String entry : spec.env()) {
            int eq = entry.indexOf('=');
            builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw ErrorKind.InvalidArgument.error("cannot start '%s': %s", spec.args().get(0), reason(e));
        }
        HostProcess host = new HostProcess(process, () -> process.descendants().forEach(this::adopt));
        live.add(host);
        host.exited().whenComplete((code, error) -> {
            live.remove(host);
            stopIfEmpty();
        });
        return host;
    }

    private static String reason(IOException e) {
        // "Cannot run program "x" (in directory "/"): error=2, No such file or directory" → the cause.
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return cause.getMessage();
    }

    private void adopt(ProcessHandle child) {
        if (adopted.add(child)) {
            whenGone(child, 10, () -> {
                adopted.remove(child);
                stopIfEmpty();
            });
        }
    }

    /**
     * Runs {@code then} once {@code child} has exited, polling. Not {@link ProcessHandle#onExit()}:
     * an orphan's new parent may reap it late or never (a JVM that is pid 1 of a container never
     * does), and a zombie has exited even though the JDK still counts it alive.
     */
    private static void whenGone(ProcessHandle child, long delayMillis, Runnable then) {
        boolean running = child.isAlive()
                && ProcFs.stat((int) child.pid()).map(stat -> stat.state() != 'Z').orElse(false);
        if (!running) {
            then.run();
            return;
        }
        CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS)
                .execute(() -> whenGone(child, Math.min(delayMillis * 2, 250), then));
    }

    private void stopIfEmpty() {
        if (stopping && live.isEmpty() && adopted.isEmpty()) {
            exited.complete(null);
        }
    }

    @Override
    public List<ProcessDetails> processes() {
        List<ProcessDetails> out = new ArrayList<>();
        for (int pid : tree("pids")) {
            ProcFs.details(pid).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Statistics statistics() {
        long user = 0;
        long kernel = 0;
        long resident = 0;
        long virtual = 0;
        long read = 0;
        long write = 0;
        long count = 0;
        for (int pid : tree("stats")) {
            Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
            if (stat.isEmpty()) {
                continue;
            }
            ProcFs.Stat s = stat.get();
            user += ProcFs.ticksTo100ns(s.userTicks());
            kernel += ProcFs.ticksTo100ns(s.kernelTicks());
            resident += s.residentPages() * ProcFs.pageSize();
            virtual += s.virtualBytes();
            long[] io = ProcFs.storageBytes(pid);
            read += io[0];
            write += io[1];
            count++;
        }
        return new Statistics(Instant.now().toString(), user, kernel, resident, virtual, 0, read, write,
                count, 0);
    }

    /** The pids of every live process tree; NotFound once the system has stopped. */
    private Set<Integer> tree(String what) {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        if (!ProcFs.available()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: /proc is not readable on this host", what);
        }
        return ProcFs.tree(roots());
    }

    @Override
    public Optional<Statistics> hostStatistics() {
        return Optional.empty();
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        throw notIsolated();
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return "";
    }

    @Override
    public void share(Path hostPath, String guestPath, boolean readOnly) {
        throw notIsolated();
    }

    private static RuntimeException notIsolated() {
        return ErrorKind.FailedPrecondition.error("task is not isolated");
    }

    @Override
    public void shutdown() {
        stop(Signals.SIGTERM);
    }

    @Override
    public void terminate() {
        stop(Signals.SIGKILL);
    }

    private void stop(int signal) {
        synchronized (this) {
            stopping = true;
        }
        if (ProcFs.available()) {
            List<Integer> roots = roots();
            // Children first would race with re-parenting; signal the whole tree at once instead.
            for (int pid : ProcFs.tree(roots)) {
                killQuietly(pid, signal);
            }
        } else {
            live.forEach(p -> p.signal(signal));
            adopted.forEach(p -> killQuietly((int) p.pid(), signal));
        }
        stopIfEmpty();
    }

    private static void killQuietly(int pid, int signal) {
        try {
            LibC.INSTANCE.kill(pid, signal);
        } catch (RuntimeException e) { // gone meanwhile
        }
    }

    /** The roots of the system's process trees: its live processes and the children it adopted. */
    private List<Integer> roots() {
        List<Integer> roots = new ArrayList<>();
        live.forEach(p -> roots.add(p.pid()));
        adopted.forEach(p -> roots.add((int) p.pid()));
        return roots;
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    @Override
    public void close() {
        if (!live.isEmpty() || !adopted.isEmpty()) {
            terminate();
        }
    }
}
