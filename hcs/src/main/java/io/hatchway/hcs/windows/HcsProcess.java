package io.hatchway.hcs.windows;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.schema.ProcessModifyRequest;
import io.hatchway.hcs.windows.schema.ProcessStatus;
import io.hatchway.hcs.windows.schema.SignalProcessOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process of a process-isolated container (hcsshim's {@code hcs/v2 Process}): its
 * {@code HCS_PROCESS} handle, its stdio relayed by a {@link StdioRelay}, its exit from HCS's
 * {@code ProcessExited} event. Thread-safe.
 *
 * <p>Every call on the handle holds the read side of {@link #handleLock}; closing it takes the write
 * side, so the handle is closed once, after the calls under way (each bounded) and never under one.
 * It is closed once the exit is reported, or when the system is closed.
 */
final class HcsProcess implements ComputeProcess {
    private static final Logger log = LoggerFactory.getLogger(HcsProcess.class);
    /** How long the output may take to reach its files after the process exited (CONTRACT.md, Timeouts). */
    static final Duration STDIO_DRAIN = Duration.ofSeconds(1);
    /** After the system stopped, how long an exit event may still take before the exit is unknown. */
    private static final Duration EXIT_AFTER_SYSTEM = Duration.ofSeconds(1);

    private final HcsLibrary library;
    private final HcsSystem system;
    private final int pid;
    private final boolean terminal;
    private final boolean hasStdin;
    private final ReadWriteLock handleLock = new ReentrantReadWriteLock();
    private HCS_PROCESS handle; // guarded by handleLock; null once closed
    private final long events;
    private StdioRelay relay; // set once, before any event is handled (see #watch)
    private final CompletableFuture<Long> reported = new CompletableFuture<>();
    private final CompletableFuture<Long> exited = new CompletableFuture<>();
    private volatile boolean killDelivered;
    private volatile boolean stdinClosed;

    private HcsProcess(HcsLibrary library, HcsSystem system, HCS_PROCESS handle, int pid, boolean terminal,
            boolean hasStdin) {
        this.library = library;
        this.system = system;
        this.handle = handle;
        this.pid = pid;
        this.terminal = terminal;
        this.hasStdin = hasStdin;
        this.events = Events.register(this::onEvent, system.threads().background());
    }

    /**
     * Takes over a created process: registers for its exit, starts relaying its pipes into
     * {@code files} (both the relay's from here on), and catches an exit that came before the
     * registration.
     *
     * @throws HcsFailure when HCS refuses the callback (the handle is closed then)
     */
    static HcsProcess watch(HcsLibrary library, HcsSystem system, HCS_PROCESS handle, int pid, boolean terminal,
            StreamFiles files, Optional<PipeEnd> stdin, Optional<PipeEnd> stdout, Optional<PipeEnd> stderr) {
        HcsProcess process = new HcsProcess(library, system, handle, pid, terminal, stdin.isPresent());
        process.relay = StdioRelay.start("task '" + system.id() + "' pid " + pid, files, stdin, stdout, stderr,
                system.io());
        int hresult = library.core().HcsSetProcessCallback(handle, ComputeCore.HcsEventOptionNone,
                Events.context(process.events), Events.CALLBACK);
        if (hresult < 0) {
            process.relay.closeStdin();
            process.closeHandle();
            throw new HcsFailure("HcsSetProcessCallback", hresult, null);
        }
        process.pollExit(); // HCS reports an exit to the callbacks registered when it happens
        return process;
    }

    @Override
    public int pid() {
        return pid;
    }

    private void onEvent(Events.Event event) {
        if (event.type() == ComputeCore.HcsEventProcessExited) {
            processExited(exitCode(event.data()));
        } else if (event.type() == ComputeCore.HcsEventServiceDisconnect) {
            log.warn("task '{}' pid {}: the Host Compute Service disconnected; its exit is unknown", system.id(), pid);
            processExited(UNKNOWN_EXIT_CODE);
        }
    }

    /** The exit code of a {@code ProcessStatus}, as hcsshim reads it: only when {@code LastWaitResult} is 0. */
    private long exitCode(String data) {
        try {
            ProcessStatus status = Json.MAPPER.readValue(data, ProcessStatus.class);
            return status.knownExitCode().orElse(UNKNOWN_EXIT_CODE) & 0xFFFFFFFFL;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            log.warn("task '{}' pid {}: unreadable exit status {}: {}", system.id(), pid, data, e.getMessage());
            return UNKNOWN_EXIT_CODE;
        }
    }

    /** Asks HCS whether the process has exited already ({@code HcsGetProcessProperties}). */
    private void pollExit() {
        try {
            String document = onHandle("HcsGetProcessProperties", (process, operation) ->
                    library.core().HcsGetProcessProperties(process, operation, null));
            if (document != null && Json.MAPPER.readValue(document, ProcessStatus.class).exited()) {
                processExited(exitCode(document));
            }
        } catch (HcsFailure | JsonProcessingException | HatchwayException e) {
            log.debug("task '{}' pid {}: its status: {}", system.id(), pid, e.getMessage());
        }
    }

    /**
     * The process has exited with {@code code}: its input stops, its output gets {@link #STDIO_DRAIN}
     * to reach the files, then {@link #exited} completes and the handle is closed.
     */
    private void processExited(long code) {
        if (!reported.complete(code)) {
            return;
        }
        relay.closeStdin();
        CompletableFuture<Void> drained = relay.outputDone().toCompletableFuture();
        var timer = system.threads().later(STDIO_DRAIN, () -> drained.complete(null));
        drained.whenComplete((nothing, error) -> {
            timer.cancel(false);
            exited.complete(code);
            system.threads().background().execute(this::closeHandle);
        });
    }

    /** The system has stopped: an exit HCS has not reported {@link #EXIT_AFTER_SYSTEM} later stays unknown. */
    void systemExited() {
        if (!reported.isDone()) {
            system.threads().later(EXIT_AFTER_SYSTEM, () -> {
                if (!reported.isDone()) {
                    pollExit();
                    processExited(UNKNOWN_EXIT_CODE);
                }
            });
        }
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    /**
     * Ctrl events go to the process asynchronously, as hcsshim does for Windows containers (a
     * servercore process may block the delivery until it has shut down); SIGKILL, and a signal with
     * no Ctrl event, terminate it.
     */
    @Override
    public boolean signal(int signal) {
        if (reported.isDone()) {
            return false;
        }
        Optional<SignalProcessOptions> event = WindowsSignals.options(signal, HcsSystem.SIGNALS_SUPPORTED);
        if (event.isEmpty()) {
            return terminate();
        }
        String options = Json.write(event.get());
        system.threads().background().execute(() -> {
            try (Utf16 wide = Utf16.of(options)) {
                onHandle("HcsSignalProcess", (process, operation) ->
                        library.core().HcsSignalProcess(process, operation, wide));
            } catch (HcsFailure | HatchwayException e) {
                if (!reported.isDone()) {
                    log.warn("task '{}' pid {}: {} not delivered: {}", system.id(), pid, event.get().signal(),
                            e.getMessage());
                }
            }
        });
        return true;
    }

    @Override
    public void kill() {
        if (!reported.isDone()) {
            try {
                terminate();
            } catch (RuntimeException e) {
                log.warn("task '{}' pid {}: kill: {}", system.id(), pid, e.getMessage());
            }
        }
    }

    /**
     * hcsshim's {@code Process.Kill} ({@link ProcessTermination}), once.
     *
     * @return false when the process had already exited
     */
    private boolean terminate() {
        if (reported.isDone()) {
            return false;
        }
        if (killDelivered) {
            return true;
        }
        if (!ProcessTermination.terminate(library, system, pid)) {
            return !reported.isDone();
        }
        killDelivered = true;
        return true;
    }

    /** hcsshim's {@code CloseStdin}: our end of the pipe, and HCS's ({@code CloseHandle StdIn}) while the process runs. */
    @Override
    public void closeStdin() {
        relay.closeStdin();
        if (!hasStdin || stdinClosed || reported.isDone()) {
            return;
        }
        stdinClosed = true;
        modify(ProcessModifyRequest.closeStdin(), "close stdin");
    }

    @Override
    public void resizeConsole(int width, int height) {
        if (!terminal) {
            throw ErrorKind.FailedPrecondition.error("pid %d is not a tty", pid);
        }
        if (!reported.isDone()) {
            modify(ProcessModifyRequest.resize(width, height), "resize the console");
        }
    }

    private void modify(ProcessModifyRequest request, String what) {
        try (Utf16 settings = Utf16.of(Json.write(request))) {
            onHandle("HcsModifyProcess", (process, operation) ->
                    library.core().HcsModifyProcess(process, operation, settings));
        } catch (HcsFailure e) {
            if (!reported.isDone() && !e.alreadyStopped()) {
                throw e.toError("%s of pid %d", what, pid);
            }
        } catch (HatchwayException e) {
            if (!reported.isDone()) {
                throw e;
            } // the process exited meanwhile and its handle went: nothing is left to modify
        }
    }

    /** A call on the process handle; one whose handle is closed has exited: NotFound. */
    private String onHandle(String call, HandleCall start) {
        handleLock.readLock().lock();
        try {
            HCS_PROCESS process = handle;
            if (process == null) {
                throw ErrorKind.NotFound.error("pid %d of task '%s' has exited", pid, system.id());
            }
            return Calls.run(library, call, Calls.CALL, operation -> start.call(process, operation));
        } finally {
            handleLock.readLock().unlock();
        }
    }

    private interface HandleCall {
        int call(HCS_PROCESS process, ComputeCore.HCS_OPERATION operation);
    }

    /** Closes the handle, once, when no call on it runs; no event arrives for it afterwards. */
    void closeHandle() {
        handleLock.writeLock().lock();
        try {
            if (handle != null) {
                library.core().HcsCloseProcess(handle); // waits for a callback under way
                Events.unregister(events);
                handle = null;
            }
        } finally {
            handleLock.writeLock().unlock();
        }
    }

    /** For the system's close: the exit is no longer watched; an exit not reported yet is unknown. */
    void abandon() {
        closeHandle();
        relay.closeStdin();
        if (reported.complete(UNKNOWN_EXIT_CODE)) {
            exited.complete(UNKNOWN_EXIT_CODE);
        }
    }
}
