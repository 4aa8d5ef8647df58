package io.hatchway.hcs.windows;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.schema.Properties;
import io.hatchway.hcs.windows.schema.PropertyQuery;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task on the windows backend: a process-isolated container (Argon), one HCS compute system,
 * driven as hcsshim's {@code task_hcs}/{@code exec_hcs} over {@code hcs/v2} do. It is created
 * from the bundle's document ({@link WindowsBackend#create}), started with its init process at
 * {@link #start}; every process is an {@code HcsCreateProcess} with pipes ({@link HcsProcess}). A
 * process-isolated task is not isolated: no host of its own to exec in, share into or read stacks
 * from, exactly as hcsshim answers for one.
 *
 * <p>The system has stopped once HCS reports {@code SystemExited} (after {@link #shutdown} or
 * {@link #terminate}), or at once when it is stopped without having been started. Every call on
 * the {@code HCS_SYSTEM} handle goes through its {@link SystemHandle}, bounded. Thread-safe.
 */
final class HcsSystem implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(HcsSystem.class);
    private final HcsLibrary library;
    private final String id;
    private final Bundle bundle;
    private final Consumer<HcsSystem> released;
    private final ComputeThreads threads;
    private final ExecutorService io;
    private SystemHandle handle; // set once, by #watch
    private final Set<HcsProcess> processes = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean started; // written under this object's monitor
    private volatile boolean stopping;

    private HcsSystem(HcsLibrary library, String id, Bundle bundle, Consumer<HcsSystem> released,
            ComputeThreads threads, ExecutorService io) {
        this.library = library;
        this.id = id;
        this.bundle = bundle;
        this.released = released;
        this.threads = threads;
        this.io = io;
    }

    /**
     * Takes over a system just created (or opened): registers for its events, as hcsshim does
     * before anything else. On failure the handle is closed (the system, terminated on its last
     * handle's close, goes with it). Its follow-up work runs on {@code threads}, its stdio relays
     * and FIFO opens on {@code io} (the backend's pool for them).
     */
    static HcsSystem watch(HcsLibrary library, String id, Bundle bundle, HCS_SYSTEM handle,
            Consumer<HcsSystem> released, ComputeThreads threads, ExecutorService io) {
        HcsSystem system = new HcsSystem(library, id, bundle, released, threads, io);
        try {
            system.handle = SystemHandle.watch(library, "task '" + id + "'", handle, system::onEvent,
                    threads.background());
        } catch (HcsFailure e) {
            throw e.toError("task '%s': cannot watch its container", id);
        }
        return system;
    }

    @Override
    public String id() {
        return id;
    }

    /** The backend's threads, for this system's processes. */
    ComputeThreads threads() {
        return threads;
    }

    /** The backend's pool for stdio relays and FIFO opens. */
    ExecutorService io() {
        return io;
    }

    private void onEvent(Events.Event event) {
        if (SystemHandle.isExit(event, "task '" + id + "'")) {
            stopped();
        }
    }

    /** The system has stopped: its processes' exits that HCS has not reported yet will not come. */
    private void stopped() {
        stopping = true;
        processes.forEach(HcsProcess::systemExited);
        exited.complete(null);
    }

    /** Process-isolated: runs in the host's kernel, with no utility VM of its own. */
    @Override
    public boolean isolated() {
        return false;
    }

    /**
     * hcsshim's {@code ValidateWCOW} with signals supported: a process-isolated container takes
     * them on every Windows that has computecore.dll (1809 and later).
     */
    @Override
    public void checkSignal(int signal) {
        WindowsSignals.check(signal, SIGNALS_SUPPORTED);
    }

    /** hcsshim's {@code supported} for a process-isolated container on Windows 1809 (RS5) and later. */
    static final boolean SIGNALS_SUPPORTED = true;

    /** {@link ArgonDocuments#checkUser}: a Windows process names its user by {@code user.username}. */
    @Override
    public void checkProcess(ProcessSpec spec) {
        ArgonDocuments.checkUser(spec);
    }

    /** Starts the container ({@code HcsStartComputeSystem}), then its init process from the bundle. */
    @Override
    public ComputeProcess start(Stdio stdio) {
        StreamFiles files = StreamFiles.open(stdio, Stdio.PEER_TIMEOUT, io); // nothing started while it waits
        synchronized (this) {
            try {
                if (started || stopping) { // stopping: shut down or terminated before its start
                    throw ErrorKind.FailedPrecondition.error("task: '%s' was already started or has stopped", id);
                }
                try {
                    handle.call("HcsStartComputeSystem", Calls.SYSTEM, false, (system, operation) ->
                            library.core().HcsStartComputeSystem(system, operation, null));
                } catch (HcsFailure e) {
                    throw e.toError("start task '%s'", id);
                }
                started = true;
                if (stopping) {
                    throw ErrorKind.FailedPrecondition.error("task: '%s' was stopped while it started", id);
                }
            } catch (RuntimeException e) {
                files.close();
                throw e;
            }
            return launch(bundle.process(), stdio, files);
        }
    }

    @Override
    public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
        checkProcess(spec);
        StreamFiles files = StreamFiles.open(stdio, Stdio.PEER_TIMEOUT, io);
        synchronized (this) {
            if (!started || stopping) {
                files.close();
                throw ErrorKind.FailedPrecondition.error("task: '%s' is not running", id);
            }
            return launch(spec, stdio, files);
        }
    }

    /** {@code HcsCreateProcess} with the pipes the streams need, then the relay ({@link ProcessLaunch}). */
    private HcsProcess launch(ProcessSpec spec, Stdio stdio, StreamFiles files) {
        HcsProcess process = ProcessLaunch.launch(this, handle, spec, stdio, files);
        processes.add(process);
        process.exited().whenComplete((code, error) -> processes.remove(process));
        return process;
    }

    /** Every process of the container, from HCS's {@code ProcessList} ({@link ContainerFigures}). */
    @Override
    public List<ProcessDetails> processes() {
        Properties properties = properties("pids", PropertyQuery.PROCESS_LIST);
        if (properties.processes().isEmpty() && started) {
            throw noneLeft("pids");
        }
        return ContainerFigures.processes(properties);
    }

    /** The container's {@code Statistics}, with the process count of the {@code ProcessList} asked for with them. */
    @Override
    public Statistics statistics() {
        Properties properties = properties("stats", PropertyQuery.STATISTICS, PropertyQuery.PROCESS_LIST);
        if (properties.processes().isEmpty() && started) {
            throw noneLeft("stats");
        }
        return ContainerFigures.statistics("task '" + id + "'", properties);
    }

    /**
     * What a started container none of whose processes is left answers: it has stopped in all but
     * HCS's bookkeeping (its shut down comes with the teardown), so NotFound, never figures of
     * nothing that look valid. A container never started has no process yet, and says so with an
     * empty list and zeros.
     */
    private HatchwayException noneLeft(String what) {
        return ErrorKind.NotFound.error("failed to fetch %s: task '%s' is stopping and none of its processes is left",
                what, id);
    }

    private Properties properties(String what, String... types) {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        return handle.properties(what, types);
    }

    @Override
    public Optional<Statistics> hostStatistics() {
        return Optional.empty();
    }

    /** hcsshim would run the command on the shim's own host; an agent in someone's JVM must not (CONTRACT.md). */
    @Override
    public int execInHost(ProcessSpec spec, Duration timeout) {
        throw ComputeSystem.notIsolated();
    }

    @Override
    public String dumpGuestStacks(Duration timeout) {
        return "";
    }

    @Override
    public void share(String hostPath, String guestPath, boolean readOnly) {
        throw ComputeSystem.notIsolated();
    }

    /** {@code HcsShutDownComputeSystem}, not waited for (hcsshim's {@code submitOperation}); a system never started is terminated. */
    @Override
    public void shutdown() {
        stop(false);
    }

    /** {@code HcsTerminateComputeSystem}, not waited for. */
    @Override
    public void terminate() {
        stop(true);
    }

    private void stop(boolean terminate) {
        stopping = true; // a start under way finds it and launches nothing
        boolean wasStarted = started;
        String call = terminate || !wasStarted ? "HcsTerminateComputeSystem" : "HcsShutDownComputeSystem";
        if (!exited.isDone()) {
            int hresult = handle.submit((system, operation) -> terminate || !wasStarted
                    ? library.core().HcsTerminateComputeSystem(system, operation, null)
                    : library.core().HcsShutDownComputeSystem(system, operation, null));
            if (hresult < 0 && !Hresult.isAlreadyStopped(hresult) && !Hresult.isNotExist(hresult)
                    && !Hresult.isPending(hresult)) {
                log.warn("task '{}': {} failed: HRESULT 0x{}", id, call, Integer.toHexString(hresult));
            }
        }
        if (!wasStarted) {
            exited.complete(null); // nothing ran: nothing to wait for
        }
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    /**
     * Closes every process handle, then the system's ({@code ShouldTerminateOnLastHandleClosed}:
     * HCS ends whatever still runs in it). A process whose exit was not reported by then reports an
     * unknown exit.
     */
    @Override
    public void close() {
        for (HcsProcess process : List.copyOf(processes)) {
            process.abandon();
        }
        handle.close();
        stopping = true;
        exited.complete(null);
        released.accept(this);
    }
}
