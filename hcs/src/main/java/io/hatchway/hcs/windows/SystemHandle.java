package io.hatchway.hcs.windows;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.schema.Properties;
import io.hatchway.hcs.windows.schema.PropertyQuery;
import io.hatchway.hcs.windows.schema.SystemExitStatus;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code HCS_SYSTEM} handle of a compute system (a container or a utility VM) with its event
 * registration. Every call on it holds the read side of {@link #lock} and is bounded; {@link #close}
 * takes the write side, so the handle is closed once, after the calls under way and never under one
 * (hcsshim: abandoning a call mid-flight while closing has crashed computecore.dll). A closed handle
 * answers NotFound, as a stopped system. Thread-safe.
 */
final class SystemHandle {
    private static final Logger log = LoggerFactory.getLogger(SystemHandle.class);
    private final HcsLibrary library;
    private final String name;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private HCS_SYSTEM handle; // guarded by lock; null once closed
    private final long events;

    private SystemHandle(HcsLibrary library, String name, HCS_SYSTEM handle, long events) {
        this.library = library;
        this.name = name;
        this.handle = handle;
        this.events = events;
    }

    /**
     * Takes over {@code handle} just created or opened: registers {@code listener} for its events
     * (run on {@code executor}), as hcsshim does before anything else.
     *
     * @param name how errors name the system ({@code task 't1'})
     * @throws HcsFailure when HCS refuses the callback; the handle is closed then (the system,
     *     terminated on its last handle's close, goes with it)
     */
    static SystemHandle watch(HcsLibrary library, String name, HCS_SYSTEM handle, Consumer<Events.Event> listener,
            Executor executor) {
        SystemHandle system = new SystemHandle(library, name, handle, Events.register(listener, executor));
        int hresult = library.core().HcsSetComputeSystemCallback(handle, ComputeCore.HcsEventOptionNone,
                Events.context(system.events), Events.CALLBACK);
        if (hresult < 0) {
            system.close();
            throw new HcsFailure("HcsSetComputeSystemCallback", hresult, null);
        }
        return system;
    }

    HcsLibrary library() {
        return library;
    }

    /**
     * A bounded call on the handle; a closed handle is a stopped system (NotFound {@code <name> has
     * stopped}).
     *
     * @throws HcsFailure when HCS answers a failure
     */
    Operations.Result call(String call, Duration bound, boolean processInformation, Call start) {
        lock.readLock().lock();
        try {
            HCS_SYSTEM system = handle;
            if (system == null) {
                throw ErrorKind.NotFound.error("%s has stopped", name);
            }
            return processInformation
                    ? Calls.runWithProcessInfo(library, call, bound, operation -> start.call(system, operation))
                    : Calls.runResult(library, call, bound, operation -> start.call(system, operation));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * {@code start} given a new operation closed without waiting (hcsshim's {@code submitOperation}
     * for shut down and terminate); its own HRESULT, 0 when the handle is closed already.
     */
    int submit(Call start) {
        lock.readLock().lock();
        try {
            HCS_SYSTEM system = handle;
            return system == null ? 0 : Operations.submit(library, operation -> start.call(system, operation));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * {@code HcsGetComputeSystemProperties} of {@code types}; a system that is gone, stopping or
     * closed answers NotFound {@code failed to fetch <what>: ...}, as hcsshim's
     * {@code isStatsNotFound} has it.
     */
    Properties properties(String what, String... types) {
        String document;
        try (Utf16 query = Utf16.of(Json.write(PropertyQuery.of(types)))) {
            document = call("HcsGetComputeSystemProperties", Calls.CALL, false, (system, operation) ->
                    library.core().HcsGetComputeSystemProperties(system, operation, query)).document();
        } catch (HcsFailure e) {
            if (e.systemGone()) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.getMessage());
            }
            throw e.toError("%s: %s", name, what);
        } catch (HatchwayException e) {
            if (e.kind() == ErrorKind.NotFound) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.detail());
            }
            throw e;
        }
        if (document == null || document.isBlank()) {
            throw ErrorKind.NotFound.error("failed to fetch %s: %s: HCS returned nothing", what, name);
        }
        try {
            return Json.MAPPER.readValue(document, Properties.class);
        } catch (JsonProcessingException e) {
            throw ErrorKind.Unavailable.error("%s: unreadable properties from HCS: %s", name, e.getOriginalMessage());
        }
    }

    /**
     * Whether {@code event} says the system has stopped ({@code SystemExited}, or HCS gone:
     * {@code ServiceDisconnect}); an unexpected exit is logged, naming the system {@code name}.
     */
    static boolean isExit(Events.Event event, String name) {
        if (event.type() == ComputeCore.HcsEventSystemExited) {
            if (event.data() != null) {
                try {
                    if (Json.MAPPER.readValue(event.data(), SystemExitStatus.class).unexpected()) {
                        log.warn("{} exited unexpectedly ({})", name, event.data());
                    }
                } catch (JsonProcessingException e) {
                    log.debug("{}: exit status {}: {}", name, event.data(), e.getOriginalMessage());
                }
            }
            return true;
        }
        if (event.type() == ComputeCore.HcsEventServiceDisconnect) {
            log.warn("{}: the Host Compute Service disconnected", name);
            return true;
        }
        return false;
    }

    /** Closes the handle once, when no call on it runs; no event arrives for it afterwards. */
    void close() {
        lock.writeLock().lock();
        try {
            if (handle != null) {
                library.core().HcsCloseComputeSystem(handle); // waits for a callback under way
                Events.unregister(events);
                handle = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A call given the handle and a fresh operation; returns its HRESULT. */
    interface Call {
        int call(HCS_SYSTEM system, HCS_OPERATION operation);
    }
}
