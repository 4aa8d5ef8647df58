package io.hatchway.hcs.windows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS_INFORMATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.schema.ProcessParameters;
import io.hatchway.hcs.windows.schema.Properties;
import io.hatchway.hcs.windows.schema.PropertyQuery;
import io.hatchway.hcs.windows.schema.SystemExitStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * the {@code HCS_SYSTEM} handle holds the read side of {@link #handleLock} and is bounded;
 * {@link #close} takes the write side to close the handle once. Thread-safe.
 */
final class HcsSystem implements ComputeSystem {
    private static final Logger log = LoggerFactory.getLogger(HcsSystem.class);
    private final HcsLibrary library;
    private final String id;
    private final Bundle bundle;
    private final Consumer<HcsSystem> released;
    private final ComputeThreads threads;
    private final ExecutorService io;
    private final ReadWriteLock handleLock = new ReentrantReadWriteLock();
    private HCS_SYSTEM handle; // guarded by handleLock; null once closed
    private final long events;
    private final Set<HcsProcess> processes = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean started; // written under this object's monitor
    private volatile boolean stopping;

    private HcsSystem(HcsLibrary library, String id, Bundle bundle, HCS_SYSTEM handle, Consumer<HcsSystem> released,
            ComputeThreads threads, ExecutorService io) {
        this.library = library;
        this.id = id;
        this.bundle = bundle;
        this.handle = handle;
        this.released = released;
        this.threads = threads;
        this.io = io;
        this.events = Events.register(this::onEvent, threads.background());
    }

    /**
     * Takes over a system just created (or opened): registers for its events, as hcsshim does
     * before anything else. On failure the handle is closed (the system, terminated on its last
     * handle's close, goes with it). Its follow-up work runs on {@code threads}, its stdio relays
     * and FIFO opens on {@code io} (the backend's pool for them).
     */
    static HcsSystem watch(HcsLibrary library, String id, Bundle bundle, HCS_SYSTEM handle,
            Consumer<HcsSystem> released, ComputeThreads threads, ExecutorService io) {
        HcsSystem system = new HcsSystem(library, id, bundle, handle, released, threads, io);
        int hresult = library.core().HcsSetComputeSystemCallback(handle, ComputeCore.HcsEventOptionNone,
                Events.context(system.events), Events.CALLBACK);
        if (hresult < 0) {
            system.closeHandle();
            throw new HcsFailure("HcsSetComputeSystemCallback", hresult, null).toError(
                    "task '%s': cannot watch its container", id);
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
        if (event.type() == ComputeCore.HcsEventSystemExited) {
            if (event.data() != null) {
                try {
                    if (Json.MAPPER.readValue(event.data(), SystemExitStatus.class).unexpected()) {
                        log.warn("task '{}': its container exited unexpectedly ({})", id, event.data());
                    }
                } catch (JsonProcessingException e) {
                    log.debug("task '{}': exit status {}: {}", id, event.data(), e.getOriginalMessage());
                }
            }
            stopped();
        } else if (event.type() == ComputeCore.HcsEventServiceDisconnect) {
            log.warn("task '{}': the Host Compute Service disconnected", id);
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

    /**
     * A Windows process names its user by {@code user.username}; a Linux uid or gid other than 0
     * (root, what a spec without a user means) cannot be honoured.
     */
    @Override
    public void checkProcess(ProcessSpec spec) {
        check(spec);
    }

    static void check(ProcessSpec spec) {
        if (spec.uid().filter(uid -> uid != 0).isPresent()) {
            throw spec.invalid("user.uid", "%d: a Windows process runs as the user user.username names",
                    spec.uid().get());
        }
        if (spec.gid().filter(gid -> gid != 0).isPresent()) {
            throw spec.invalid("user.gid", "%d: a Windows process runs as the user user.username names",
                    spec.gid().get());
        }
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
                onHandle("HcsStartComputeSystem", Calls.SYSTEM, (system, operation) ->
                        library.core().HcsStartComputeSystem(system, operation, null), "start task '%s'", id);
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

    /**
     * {@code HcsCreateProcess} with the pipes the streams need, then the relay. On Windows Server
     * 2022 a create may fail its wait yet hand back a valid process: then, as hcsshim does, the
     * process's information is asked for again before giving up.
     */
    private HcsProcess launch(ProcessSpec spec, Stdio stdio, StreamFiles files) {
        ProcessParameters parameters = ArgonDocuments.processParameters(spec, stdio.stdin().isPresent(), true, true);
        PointerByReference created = new PointerByReference();
        HCS_PROCESS_INFORMATION information;
        try (Utf16 document = Utf16.of(Json.write(parameters))) {
            try {
                information = onHandle("HcsCreateProcess", Calls.CALL, true, (system, operation) ->
                        library.core().HcsCreateProcess(system, document, operation, null, created),
                        null).processInformation();
            } catch (HcsFailure e) {
                if (created.getValue() == null) {
                    throw cannotStart(e, spec);
                }
                HCS_PROCESS process = new HCS_PROCESS(created.getValue());
                try {
                    information = Calls.runWithProcessInfo(library, "HcsGetProcessInfo", Calls.CALL,
                            operation -> library.core().HcsGetProcessInfo(process, operation)).processInformation();
                } catch (RuntimeException again) {
                    library.core().HcsCloseProcess(process);
                    throw cannotStart(e, spec);
                }
            }
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
        HcsProcess process = HcsProcess.watch(library, this, new HCS_PROCESS(created.getValue()),
                information.ProcessId, parameters.emulateConsole(), files, pipe(information.StdInput),
                pipe(information.StdOutput), pipe(information.StdError));
        processes.add(process);
        process.exited().whenComplete((code, error) -> processes.remove(process));
        return process;
    }

    /**
     * A process HCS could not create: a program or working directory that is missing or not
     * executable is the caller's (InvalidArgument {@code cannot start '<program>'}), as on the other
     * backends; so is access denied to it (CreateProcess's answer for a directory or a file that is
     * no program); any other failure keeps its own kind.
     */
    private static HatchwayException cannotStart(HcsFailure failure, ProcessSpec spec) {
        HatchwayException error = failure.toError("cannot start '%s'", program(spec));
        return Hresult.isAccessDenied(failure.hresult()) ? ErrorKind.InvalidArgument.error("%s", error.detail()) : error;
    }

    /** The program a process runs, as a user named it: its first argument, else its command line. */
    private static String program(ProcessSpec spec) {
        return spec.args().isEmpty() || spec.args().get(0).isEmpty() ? spec.commandLine().orElse("") : spec.args().get(0);
    }

    private Optional<PipeEnd> pipe(HANDLE handle) {
        return handle != null && handle.isValid() ? Optional.of(new KernelPipe(library.kernel32(), handle))
                : Optional.empty();
    }

    /** Every process of the container, from HCS's {@code ProcessList} (user time from {@code UserTime100ns}). */
    @Override
    public List<ProcessDetails> processes() {
        Properties properties = properties("pids", PropertyQuery.PROCESS_LIST);
        if (properties.processes().isEmpty() && started) {
            throw noneLeft("pids");
        }
        List<ProcessDetails> out = new ArrayList<>();
        for (var process : properties.processes()) {
            out.add(new ProcessDetails((int) process.processId(), process.imageName(),
                    instant(process.createTimestamp()), process.userTime100ns(), process.kernelTime100ns(),
                    process.memoryCommitBytes(), process.memoryWorkingSetPrivateBytes(),
                    process.memoryWorkingSetSharedBytes(), ""));
        }
        return out;
    }

    /**
     * The container's {@code Statistics} (100 ns units as HCS gives them): user and kernel time,
     * the private working set as memory in use, commit, bytes read and written; the process count
     * from the {@code ProcessList} asked for with them.
     */
    @Override
    public Statistics statistics() {
        Properties properties = properties("stats", PropertyQuery.STATISTICS, PropertyQuery.PROCESS_LIST);
        if (properties.processes().isEmpty() && started) {
            throw noneLeft("stats");
        }
        var statistics = properties.statistics();
        if (statistics == null) {
            throw ErrorKind.NotFound.error("failed to fetch stats: task '%s': HCS returned no statistics", id);
        }
        var processor = statistics.processor();
        var memory = statistics.memory();
        var storage = statistics.storage();
        return new Statistics(statistics.timestamp() == null ? Instant.now().toString() : instant(statistics.timestamp()),
                processor == null ? 0 : processor.runtimeUser100ns(),
                processor == null ? 0 : processor.runtimeKernel100ns(),
                memory == null ? 0 : memory.memoryUsagePrivateWorkingSetBytes(),
                memory == null ? 0 : memory.memoryUsageCommitBytes(), 0,
                storage == null ? 0 : storage.readSizeBytes(), storage == null ? 0 : storage.writeSizeBytes(),
                properties.processes().size(), 0);
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

    /**
     * {@code HcsGetComputeSystemProperties}; a container that is gone, stopping or closed answers
     * NotFound {@code failed to fetch <what>: ...} as hcsshim's {@code isStatsNotFound} has it.
     */
    private Properties properties(String what, String... types) {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, id);
        }
        String query = Json.write(PropertyQuery.of(types));
        String document;
        try (Utf16 wide = Utf16.of(query)) {
            document = onHandle("HcsGetComputeSystemProperties", Calls.CALL, (system, operation) ->
                    library.core().HcsGetComputeSystemProperties(system, operation, wide), null).document();
        } catch (HcsFailure e) {
            if (e.systemGone()) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.getMessage());
            }
            throw e.toError("task '%s': %s", id, what);
        } catch (HatchwayException e) {
            if (e.kind() == ErrorKind.NotFound) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.detail());
            }
            throw e;
        }
        if (document == null || document.isBlank()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s': HCS returned nothing", what, id);
        }
        try {
            return Json.MAPPER.readValue(document, Properties.class);
        } catch (JsonProcessingException e) {
            throw ErrorKind.Unavailable.error("task '%s': unreadable properties from HCS: %s", id, e.getOriginalMessage());
        }
    }

    /** An RFC 3339 time (Go's {@code time.Time}) as ISO-8601 UTC; as given when it is not one. */
    private static String instant(String rfc3339) {
        if (rfc3339 == null) {
            return "";
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant().toString();
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
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
        handleLock.readLock().lock();
        try {
            if (handle != null && !exited.isDone()) {
                HCS_SYSTEM system = handle;
                int hresult = Operations.submit(library, operation -> terminate || !wasStarted
                        ? library.core().HcsTerminateComputeSystem(system, operation, null)
                        : library.core().HcsShutDownComputeSystem(system, operation, null));
                if (hresult < 0 && !Hresult.isAlreadyStopped(hresult) && !Hresult.isNotExist(hresult)
                        && !Hresult.isPending(hresult)) {
                    log.warn("task '{}': {} failed: HRESULT 0x{}", id, call, Integer.toHexString(hresult));
                }
            }
        } finally {
            handleLock.readLock().unlock();
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
        closeHandle();
        stopping = true;
        exited.complete(null);
        released.accept(this);
    }

    private void closeHandle() {
        handleLock.writeLock().lock();
        try {
            if (handle != null) {
                library.core().HcsCloseComputeSystem(handle); // waits for a callback under way
                Events.unregister(events);
                handle = null;
            }
        } finally {
            handleLock.writeLock().unlock();
        }
    }

    /**
     * A bounded call on the system handle; a closed handle is a stopped system. A failure becomes
     * the error {@code context} names (null: thrown as the {@link HcsFailure} it is).
     */
    private Operations.Result onHandle(String call, Duration bound, SystemCall start, String context, Object... args) {
        return onHandle(call, bound, false, start, context, args);
    }

    private Operations.Result onHandle(String call, Duration bound, boolean processInformation, SystemCall start,
            String context, Object... args) {
        handleLock.readLock().lock();
        try {
            HCS_SYSTEM system = handle;
            if (system == null) {
                throw ErrorKind.NotFound.error("task '%s' has stopped", id);
            }
            return processInformation
                    ? Calls.runWithProcessInfo(library, call, bound, operation -> start.call(system, operation))
                    : Calls.runResult(library, call, bound, operation -> start.call(system, operation));
        } catch (HcsFailure e) {
            if (context == null) {
                throw e;
            }
            throw e.toError(context, args);
        } finally {
            handleLock.readLock().unlock();
        }
    }

    private interface SystemCall {
        int call(HCS_SYSTEM system, ComputeCore.HCS_OPERATION operation);
    }
}
