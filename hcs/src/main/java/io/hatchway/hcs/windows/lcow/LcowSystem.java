package io.hatchway.hcs.windows.lcow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.gcs.CombinedLayers;
import io.hatchway.hcs.gcs.GuestContainer;
import io.hatchway.hcs.gcs.StdioPorts;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.HcsLibrary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hypervisor-isolated task with a Linux guest (LCOW), as hcsshim's {@code uvm} and
 * {@code hcsoci} make one: a utility VM of its own ({@link UtilityVm}) and in it one Linux container
 * the guest agent runs with runc, from an OCI bundle like the runc backend's ({@code config.json}
 * and its {@code root.path}, by default {@code rootfs}). The root file system is given to the guest
 * as CombinedLayers: the bundle's root directory the one read-only layer, under a writable scratch
 * the guest makes. The host, execs, shares and stacks are the VM's ({@link LcowHost}).
 *
 * <p>Stdio: the guest agent dials the host over vsock for each stream of a process, and this build
 * has no relay on the host side of those ports; a process here runs without stdin, its output
 * unrelayed (its files stay empty), and a stdin file is refused with NotImplemented.
 *
 * <p>Teardown ({@link #close()}) is hcsshim's order: shut down, wait for the exit, CombinedLayers
 * removed, the container state deleted, then the VM. Thread-safe.
 */
public final class LcowSystem implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(LcowSystem.class);
    /** How long the teardown waits for a container asked to stop (CONTRACT.md, Timeouts). */
    private static final Duration STOP = Duration.ofSeconds(30);

    private final String id;
    private final Bundle bundle;
    private final UtilityVm uvm;
    private final LcowHost host;
    private final CombinedLayers layers;
    private final GuestContainer container;
    private final Consumer<ComputeSystem> released;
    private final ComputeThreads threads;
    private final Set<LcowProcess> processes = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean started; // written under this object's monitor
    private volatile boolean stopping;
    private boolean closed; // guarded by this

    private LcowSystem(String id, Bundle bundle, UtilityVm uvm, CombinedLayers layers, GuestContainer container,
            Consumer<ComputeSystem> released, ComputeThreads threads) {
        this.id = id;
        this.bundle = bundle;
        this.uvm = uvm;
        this.host = new LcowHost(id, uvm, threads);
        this.layers = layers;
        this.container = container;
        this.released = released;
        this.threads = threads;
        container.exited().whenComplete((notification, error) -> stopped());
        uvm.vm().exited().whenComplete((nothing, error) -> stopped());
        uvm.guest().lost().whenComplete((lost, error) -> stopped());
    }

    /**
     * Boots task {@code id}'s utility VM ({@code <id>@vm}, as hcsshim names a task's own VM), mounts
     * the bundle's root file system in the guest and creates the container ({@code runc create}):
     * its init process waits for {@link #start}. Nothing is left on failure.
     *
     * @throws HatchwayException InvalidArgument for a bundle without a root directory or a process
     *     that cannot run here; the guest's or HCS's kind otherwise
     */
    public static LcowSystem create(HcsLibrary library, String id, String owner, Bundle bundle,
            Consumer<ComputeSystem> released, ComputeThreads threads) {
        Path root = bundle.dir().resolve(bundle.rootPath().orElse("rootfs"));
        if (!Files.isDirectory(root)) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json root.path: '%s' is no directory", bundle, root);
        }
        checkStdio(bundle.process());
        LinuxTarget.checkProcess(bundle.process());
        UtilityVm uvm = UtilityVm.boot(library, id + "@vm", owner, threads);
        String guestBundle = "/run/gcs/c/" + id;
        CombinedLayers layers = new CombinedLayers(id, guestBundle + "/rootfs",
                List.of(new CombinedLayers.Layer(layerId(root), root.toString())), guestBundle + "/scratch");
        try {
            uvm.guest().addCombinedLayers(layers);
            try {
                ObjectNode spec = bundle.config().deepCopy();
                spec.putObject("root").put("path", layers.containerRootPath()).put("readonly", false);
                GuestContainer container = uvm.guest().createContainer(id, spec, guestBundle, layers.scratchPath());
                return new LcowSystem(id, bundle, uvm, layers, container, released, threads);
            } catch (RuntimeException e) {
                uvm.guest().removeCombinedLayers(layers);
                throw e;
            }
        } catch (RuntimeException e) {
            uvm.close();
            throw e;
        }
    }

    /** A layer's id: derived from its directory (a name-based UUID), stable per layer. */
    private static String layerId(Path root) {
        return UUID.nameUUIDFromBytes(root.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** No stdin here: the guest would dial the host for it over vsock (see the class comment). */
    static void checkStdio(ProcessSpec spec) {
        if (spec.stdin().isPresent()) {
            throw ErrorKind.NotImplemented.error("stdin '%s': a process in a utility VM gets its stdio over vsock, "
                    + "which this build does not relay", spec.stdin().get());
        }
    }

    @Override
    public String id() {
        return id;
    }

    /** A utility VM of its own. */
    @Override
    public boolean isolated() {
        return true;
    }

    /** All Linux signals when the guest says SignalProcessSupported; else 6, 9 and 15, each a kill. */
    @Override
    public void checkSignal(int signal) {
        if (uvm.capabilities().signalProcessSupported()) {
            LinuxTarget.checkSignal(signal);
        } else if (signal != 6 && signal != 9 && signal != 15) {
            throw io.hatchway.hcs.Signals.invalid(signal);
        }
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        LinuxTarget.checkProcess(spec);
        checkStdio(spec);
    }

    /** Start (a no-op on a Linux guest) and the init's ExecuteProcess ({@code runc start}). */
    @Override
    public ComputeProcess start(Stdio stdio) {
        refuseStdin(stdio);
        synchronized (this) {
            if (started || stopping) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
            }
            container.start();
            started = true;
            return track(new LcowProcess(id, container.startInit(StdioPorts.NONE), bundle.process().terminal()));
        }
    }

    @Override
    public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        checkProcess(spec);
        refuseStdin(stdio);
        synchronized (this) {
            if (!started || stopping) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
            JsonNode process = Json.parse(spec.toOciJson(), "process");
            return track(new LcowProcess(id, container.execute(process, StdioPorts.NONE), spec.terminal()));
        }
    }

    private static void refuseStdin(Stdio stdio) {
        if (stdio.stdin().isPresent()) {
            throw ErrorKind.NotImplemented.error("stdin '%s': a process in a utility VM gets its stdio over vsock, "
                    + "which this build does not relay", stdio.stdin().get());
        }
    }

    private LcowProcess track(LcowProcess process) {
        processes.add(process);
        process.exited().whenComplete((code, error) -> processes.remove(process));
        if (exited.isDone()) {
            process.abandon();
        }
        return process;
    }

    /** ProcessList: every pid of the container's cgroup (the guest gives pids only). */
    @Override
    public List<ProcessDetails> processes() {
        List<Integer> pids = guestFigures("pids", container::processList);
        return pids.stream().map(pid -> new ProcessDetails(pid, "", "", 0, 0, 0, 0, 0, "")).toList();
    }

    /** The guest's {@code LCOWMetrics} of the container (nanoseconds become 100 ns units). */
    @Override
    public Statistics statistics() {
        var figures = guestFigures("stats", container::statistics);
        long limit = figures.memoryLimitBytes() >= Long.MAX_VALUE / 2 ? 0 : figures.memoryLimitBytes();
        return new Statistics(Instant.now().toString(), figures.cpuUserNanos() / 100, figures.cpuKernelNanos() / 100,
                figures.memoryUsageBytes(), figures.memoryUsageBytes(), limit, figures.storageReadBytes(),
                figures.storageWriteBytes(), figures.pidsCurrent(), figures.pidsLimit());
    }

    /** A question to the guest about the container; gone, stopping or unreachable → NotFound {@code failed to fetch <what>: ...}. */
    private <T> T guestFigures(String what, java.util.function.Supplier<T> ask) {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        try {
            return ask.get();
        } catch (HatchwayException e) {
            if (e.kind() == ErrorKind.NotFound || e.kind() == ErrorKind.Unavailable || exited.isDone()) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.detail());
            }
            throw e;
        }
    }

    /** The utility VM's own figures. */
    @Override
    public Optional<Statistics> hostStatistics() {
        return exited.isDone() ? Optional.empty() : Optional.of(uvm.vm().statistics());
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        checkStdio(spec);
        return host.exec(spec, timeout);
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return host.dumpStacks(timeout);
    }

    @Override
    public void share(String hostPath, String guestPath, boolean readOnly) {
        host.share(hostPath, guestPath, readOnly);
    }

    /** ShutdownGraceful (SIGTERM to the init), sent from a pool thread; a container never started is stopped at once. */
    @Override
    public void shutdown() {
        stop(false);
    }

    /** ShutdownForced (SIGKILL to the init); if the guest cannot be asked, the VM is terminated. */
    @Override
    public void terminate() {
        stop(true);
    }

    private void stop(boolean force) {
        boolean wasStarted;
        synchronized (this) {
            stopping = true;
            wasStarted = started;
        }
        if (!wasStarted) {
            stopped();
            return;
        }
        threads.background().execute(() -> {
            try {
                if (force) {
                    container.shutdownForced();
                } else {
                    container.shutdownGraceful();
                }
            } catch (HatchwayException e) {
                if (e.kind() != ErrorKind.NotFound && !exited.isDone()) {
                    log.warn("task '{}': {}: {}; terminating its utility VM", id, force ? "shutdown forced" : "shutdown",
                            e.getMessage());
                    uvm.vm().terminate();
                }
            }
        });
    }

    /** The container has stopped (or its VM, or the bridge to it): exits not reported by now stay unknown. */
    private void stopped() {
        stopping = true;
        if (exited.complete(null)) {
            threads.background().execute(() -> processes.forEach(LcowProcess::abandon));
        }
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    /**
     * hcsshim's teardown: a container still running is shut down (forced) and awaited, then its
     * CombinedLayers are removed and its state deleted (the other order makes the guest delete
     * through a still-mounted root file system), then the VM ends. A step the guest refuses is
     * logged: the VM's end takes everything in it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = true;
        }
        try {
            if (!uvm.vm().exited().toCompletableFuture().isDone()) {
                if (!container.exited().isDone()) {
                    container.shutdownForced();
                    container.exited().get(STOP.toMillis(), TimeUnit.MILLISECONDS);
                }
                uvm.guest().removeCombinedLayers(layers);
                container.deleteState();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("task '{}': releasing its container in the guest: {}; ending its utility VM", id, e.getMessage());
        } finally {
            uvm.close();
            stopped();
            released.accept(this);
        }
    }
}
