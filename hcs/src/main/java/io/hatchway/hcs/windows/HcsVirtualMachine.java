package io.hatchway.hcs.windows;

import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.gcs.HvsockTransport;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.schema.ComputeSystem;
import io.hatchway.hcs.windows.schema.ModifySettingRequest;
import io.hatchway.hcs.windows.schema.Properties;
import io.hatchway.hcs.windows.schema.PropertyQuery;
import io.hatchway.hcs.windows.schema.VirtualMachine;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A utility VM as a compute system of HCS (hcsshim's {@code uvm.UtilityVM} over its
 * {@code hcsSystem}): created from its {@code VirtualMachine} document, started, queried for its
 * own figures, given Plan9 shares, terminated. What runs inside it is reached through its guest
 * agent, not through HCS ({@code io.hatchway.hcs.windows.lcow}). Thread-safe.
 */
public final class HcsVirtualMachine {
    private static final Logger log = LoggerFactory.getLogger(HcsVirtualMachine.class);
    /** The hvsock service id the Linux GCS dials ({@code LinuxGcsVsockPort} 0x40000000). */
    public static final String GCS_SERVICE_ID = HvsockTransport.LINUX_GCS_SERVICE_ID.toString();

    private final HcsLibrary library;
    private final String id;
    private final String name;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private SystemHandle handle; // set once, by #create
    private String runtimeId;
    private volatile boolean started;

    private HcsVirtualMachine(HcsLibrary library, String id) {
        this.library = library;
        this.id = id;
        this.name = "utility VM '" + id + "'";
    }

    /**
     * {@code HcsCreateComputeSystem} of {@code document}, watched for its exit, and its
     * {@code RuntimeId} read (the VmId the host listens on for the guest, as hcsshim reads it after
     * create). Nothing is left on failure.
     *
     * @throws HatchwayException AlreadyExists when a compute system {@code id} exists; the
     *     HRESULT's kind otherwise
     */
    public static HcsVirtualMachine create(HcsLibrary library, String id, String owner, VirtualMachine document,
            ComputeThreads threads) {
        Objects.requireNonNull(owner);
        HcsVirtualMachine vm = new HcsVirtualMachine(library, id);
        PointerByReference created = new PointerByReference();
        try (Utf16 wideId = Utf16.of(id);
                Utf16 configuration = Utf16.of(Json.write(ComputeSystem.virtualMachine(owner, document)))) {
            Calls.run(library, "HcsCreateComputeSystem", Calls.SYSTEM, operation ->
                    library.core().HcsCreateComputeSystem(wideId, configuration, operation, null, created));
            vm.handle = SystemHandle.watch(library, vm.name, new HCS_SYSTEM(created.getValue()), vm::onEvent,
                    threads.background());
        } catch (HcsFailure e) {
            if (created.getValue() != null && vm.handle == null) {
                library.core().HcsCloseComputeSystem(new HCS_SYSTEM(created.getValue()));
            }
            if (Hresult.HCS_E_SYSTEM_ALREADY_EXISTS.is(e.hresult())) {
                throw ErrorKind.AlreadyExists.error("%s already exists on this host: %s", vm.name, e.getMessage());
            }
            throw e.toError("%s: cannot create it", vm.name);
        } catch (RuntimeException e) {
            if (created.getValue() != null && vm.handle == null) {
                library.core().HcsCloseComputeSystem(new HCS_SYSTEM(created.getValue()));
            }
            throw e;
        }
        try {
            vm.runtimeId = vm.handle.properties("its runtime id").runtimeId();
            if (vm.runtimeId == null || vm.runtimeId.isEmpty()) {
                throw ErrorKind.Unavailable.error("%s: HCS gave no RuntimeId", vm.name);
            }
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    public String id() {
        return id;
    }

    /** The VM's {@code RuntimeId}: the VmId its hvsock services are reached at. */
    public String runtimeId() {
        return runtimeId;
    }

    private void onEvent(Events.Event event) {
        if (SystemHandle.isExit(event, name)) {
            exited.complete(null);
        }
    }

    /** {@code HcsStartComputeSystem}, bounded: the VM boots and its guest agent dials the host. */
    public void start() {
        try {
            handle.call("HcsStartComputeSystem", Calls.SYSTEM, false, (system, operation) ->
                    library.core().HcsStartComputeSystem(system, operation, null));
            started = true;
        } catch (HcsFailure e) {
            throw e.toError("%s: cannot start it", name);
        }
    }

    /** {@code HcsTerminateComputeSystem}, not waited for ({@link #exited()} tells); at once for a VM never started. */
    public void terminate() {
        if (exited.isDone()) {
            return;
        }
        int hresult = handle.submit((system, operation) -> library.core().HcsTerminateComputeSystem(system, operation, null));
        if (hresult < 0 && !Hresult.isAlreadyStopped(hresult) && !Hresult.isNotExist(hresult) && !Hresult.isPending(hresult)) {
            log.warn("{}: HcsTerminateComputeSystem failed: HRESULT 0x{}", name, Integer.toHexString(hresult));
        }
        if (!started) {
            exited.complete(null);
        }
    }

    /** Completes once HCS reports the VM stopped (or it was never started and is terminated). Never exceptionally. */
    public CompletionStage<Void> exited() {
        return exited;
    }

    /**
     * The VM's own figures, as hcsshim's {@code uvm.Stats} reads them ({@code Statistics} and
     * {@code Memory}): processor time, and as memory in use its assigned memory (4 KiB pages).
     *
     * @throws HatchwayException NotFound {@code failed to fetch stats: ...} when the VM is gone
     */
    public Statistics statistics() {
        if (exited.isDone()) {
            throw ErrorKind.NotFound.error("failed to fetch stats: %s has stopped", name);
        }
        Properties properties = handle.properties("stats", PropertyQuery.STATISTICS, PropertyQuery.MEMORY);
        var statistics = properties.statistics();
        if (statistics == null) {
            throw ErrorKind.NotFound.error("failed to fetch stats: %s: HCS returned no statistics", name);
        }
        var processor = statistics.processor();
        var memory = properties.memory() == null || properties.memory().virtualMachineMemory() == null ? 0
                : properties.memory().virtualMachineMemory().assignedMemory() * 4096;
        return new Statistics(statistics.timestamp() == null ? Instant.now().toString()
                        : ContainerFigures.instant(statistics.timestamp()),
                processor == null ? 0 : processor.runtimeUser100ns(), processor == null ? 0 : processor.runtimeKernel100ns(),
                memory, memory, 0, 0, 0, 0, 0);
    }

    /** {@code HcsModifyComputeSystem} adding a Plan9 share (the host half of hcsshim's {@code AddPlan9}). */
    public void addPlan9Share(VirtualMachine.Plan9Share share) {
        modify(ModifySettingRequest.plan9Share("Add", share), "share '" + share.path() + "'");
    }

    /** Removes a Plan9 share again. */
    public void removePlan9Share(VirtualMachine.Plan9Share share) {
        modify(ModifySettingRequest.plan9Share("Remove", share), "unshare '" + share.path() + "'");
    }

    private void modify(ModifySettingRequest request, String what) {
        try (Utf16 configuration = Utf16.of(Json.write(request))) {
            handle.call("HcsModifyComputeSystem", Calls.CALL, false, (system, operation) ->
                    library.core().HcsModifyComputeSystem(system, operation, configuration, null));
        } catch (HcsFailure e) {
            throw e.toError("%s: %s", name, what);
        }
    }

    /** Closes the handle: HCS terminates the VM with its last handle. Idempotent. */
    public void close() {
        if (handle != null) {
            handle.close();
        }
        exited.complete(null);
    }
}
