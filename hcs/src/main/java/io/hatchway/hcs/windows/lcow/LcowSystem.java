package io.hatchway.hcs.windows.lcow;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.gcs.GuestContainer;
import io.hatchway.hcs.gcs.StdioPorts;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.windows.HcsLibrary;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * and its {@code root.path}, by default {@code rootfs}), its root given to the guest as
 * CombinedLayers ({@link GuestBundle}). The host, execs, shares and stacks are the VM's
 * ({@link LcowHost}); pids and figures the guest's ({@link ContainerFigures}); stdio is not relayed
 * ({@link VsockStdio}).
 *
 * <p>Teardown ({@link #close()}) is hcsshim's order: shut down, wait for the exit, CombinedLayers
 * removed, the container state deleted, then the VM. Thread-safe.
 */
public final class LcowSystem implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(LcowSystem.class);
    /** How long the teardown waits for a container asked to stop (CONTRACT.md, Timeouts). */
    private static final Duration STOP = Duration.ofSeconds(30);
    /** After the container stopped, how long a process's exit may still take to be reported. */
    private static final Duration EXIT_AFTER_STOP = Duration.ofSeconds(1);

    private final String id;
    private final Bundle bundle;
    private final UtilityVm uvm;
    private final LcowHost host;
    private final GuestBundle inGuest;
    private final GuestContainer container;
    private final Consumer<ComputeSystem> released;
    private final ComputeThreads threads;
    private final Set<LcowProcess> processes = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean started; // written under this object's monitor
    private volatile boolean stopping;
    private boolean closed; // guarded by this

    private LcowSystem(String id, Bundle bundle, UtilityVm uvm, GuestBundle inGuest, Consumer<ComputeSystem> released,
            ComputeThreads threads) {
        this.id = id;
        this.bundle = bundle;
        this.uvm = uvm;
        this.host = new LcowHost(id, uvm, threads);
        this.inGuest = inGuest;
        this.container = inGuest.container();
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
        GuestBundle.root(bundle);
        VsockStdio.check(bundle.process());
        bundle.process().check(LinuxTarget::processProblem);
        UtilityVm uvm = UtilityVm.boot(library, id + "@vm", owner, threads);
        try {
            return new LcowSystem(id, bundle, uvm, GuestBundle.create(uvm.guest(), id, bundle), released, threads);
        } catch (RuntimeException e) {
            uvm.close();
            throw e;
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
            Signals.check(signal, LinuxTarget::takesSignal);
        } else if (signal != 6 && signal != 9 && signal != 15) {
            throw Signals.invalid(signal);
        }
    }

    @Override
    public void checkProcess(ProcessSpec spec) {
        spec.check(LinuxTarget::processProblem);
        VsockStdio.check(spec);
    }

    /** Start (a no-op on a Linux guest) and the init's ExecuteProcess ({@code runc start}). */
    @Override
    public ComputeProcess start(Stdio stdio) {
        VsockStdio.check(stdio);
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
        VsockStdio.check(stdio);
        synchronized (this) {
            if (!started || stopping) {
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
            JsonNode process = Json.parse(spec.toOciJson(), "process");
            try {
                return track(new LcowProcess(id, container.execute(process, StdioPorts.NONE), spec.terminal()));
            } catch (HatchwayException e) {
                throw LaunchFailure.classify(e);
            }
        }
    }

    private LcowProcess track(LcowProcess process) {
        processes.add(process);
        process.exited().whenComplete((code, error) -> processes.remove(process));
        if (exited.isDone()) {
            threads.later(EXIT_AFTER_STOP, process::abandon);
        }
        return process;
    }

    /** ProcessList: every pid of the container's cgroup (the guest gives pids only). */
    @Override
    public List<ProcessDetails> processes() {
        return ContainerFigures.processes(id, container, started, exited.isDone());
    }

    /** The guest's {@code LCOWMetrics} of the container. */
    @Override
    public Statistics statistics() {
        return ContainerFigures.statistics(id, container, started, exited.isDone());
    }

    /** The utility VM's own figures. */
    @Override
    public Optional<Statistics> hostStatistics() {
        return exited.isDone() ? Optional.empty() : Optional.of(uvm.vm().statistics());
    }

    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        VsockStdio.check(spec);
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

    /**
     * The container has stopped (or its VM, or the bridge to it). The guest's answers to the
     * processes' waits may still be on their way (its exit notification can come first): an exit
     * not reported {@link #EXIT_AFTER_STOP} later stays unknown.
     */
    private void stopped() {
        stopping = true;
        if (exited.complete(null)) {
            threads.later(EXIT_AFTER_STOP, () -> processes.forEach(LcowProcess::abandon));
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
     * logged, and a container never started is left to the VM's end: it takes everything in it.
     * Idempotent.
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
            // a container never started has no init the guest waits for: the VM's end takes it
            if (started && !uvm.vm().exited().toCompletableFuture().isDone()) {
                if (!container.exited().isDone()) {
                    container.shutdownForced();
                    container.exited().get(STOP.toMillis(), TimeUnit.MILLISECONDS);
                }
                inGuest.release(uvm.guest());
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
