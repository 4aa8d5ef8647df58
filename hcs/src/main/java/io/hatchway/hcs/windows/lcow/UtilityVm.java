package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.gcs.GuestCapabilities;
import io.hatchway.hcs.gcs.GuestConnection;
import io.hatchway.hcs.windows.HcsLibrary;
import io.hatchway.hcs.windows.HcsVirtualMachine;
import io.hatchway.hcs.windows.schema.VirtualMachine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux utility VM and the bridge to its guest agent, as hcsshim's {@code uvm.CreateLCOW} and
 * {@code Start} with an external guest connection: the VM is created, the host listens for the GCS
 * on hvsock (VmId = the VM's RuntimeId), the VM is started, the GCS's connection accepted (bounded),
 * the bridge opened over it and protocol 4 negotiated. {@link #close()} ends the bridge and the VM.
 * Thread-safe.
 */
final class UtilityVm implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UtilityVm.class);
    /** How long the booted VM's guest agent has to connect (hcsshim bounds it by the start's context). */
    static final Duration CONNECT = Duration.ofSeconds(30);
    /** How long the VM's end may take once terminated. */
    static final Duration END = Duration.ofSeconds(30);
    /** hcsshim's default LCOW boot files ({@code %ProgramFiles%\Linux Containers}). */
    private static final String BOOT_FILES = "C:\\Program Files\\Linux Containers\\";

    private final HcsVirtualMachine vm;
    private final GuestConnection guest;
    private final GuestCapabilities capabilities;

    private UtilityVm(HcsVirtualMachine vm, GuestConnection guest, GuestCapabilities capabilities) {
        this.vm = vm;
        this.guest = guest;
        this.capabilities = capabilities;
    }

    /**
     * hcsshim's LCOW document: a kernel booted directly with its initrd, whose init runs the GCS
     * ({@code -v4}, as hcsshim starts it), 1 GiB and 2 processors, hvsock that SYSTEM and the
     * administrators may bind, Plan9 for shares; no HCS guest connection (the host makes its own).
     */
    static VirtualMachine document() {
        String commandLine = "8250_core.nr_uarts=0 panic=-1 quiet nr_cpus=2 pci=off brd.rd_nr=0 pmtmr=0 -- "
                + "/bin/vsockexec /bin/gcs -v4 -log-format json -loglevel info";
        return new VirtualMachine(true,
                new VirtualMachine.Chipset(new VirtualMachine.LinuxKernelDirect(BOOT_FILES + "vmlinux",
                        BOOT_FILES + "initrd.img", commandLine)),
                new VirtualMachine.Topology(new VirtualMachine.Memory(1024, true), new VirtualMachine.Processor(2)),
                new VirtualMachine.Devices(new VirtualMachine.HvSocket(
                        new VirtualMachine.HvSocketConfig("D:P(A;;FA;;;SY)(A;;FA;;;BA)")),
                        new VirtualMachine.Plan9(List.of())));
    }

    /**
     * Creates and starts utility VM {@code id} and connects to its guest agent. Nothing is left on
     * failure.
     *
     * @throws io.hatchway.hcs.HatchwayException DeadlineExceeded when the guest agent does not
     *     connect within {@link #CONNECT}; Unavailable when the VM stops first or the bridge fails;
     *     the HCS call's kind otherwise
     */
    static UtilityVm boot(HcsLibrary library, String id, String owner, ComputeThreads threads) {
        HcsVirtualMachine vm = HcsVirtualMachine.create(library, id, owner, document(), threads);
        GuestListener.Connection connection = null;
        GuestConnection guest = null;
        try {
            try (GuestListener listener = GuestListener.listen(vm.runtimeId(), HcsVirtualMachine.GCS_SERVICE_ID, threads)) {
                vm.start();
                connection = listener.accept(CONNECT, vm.exited());
            }
            guest = GuestConnection.open("the guest agent of utility VM '" + id + "'", connection.in(), connection.out(),
                    connection, threads, GuestConnection.DEFAULT_TIMEOUT);
            GuestCapabilities capabilities = guest.negotiate();
            if (!"linux".equalsIgnoreCase(capabilities.runtimeOsType())) {
                throw ErrorKind.NotImplemented.error("utility VM '%s': its guest runs '%s'; only Linux guests are driven",
                        id, capabilities.runtimeOsType());
            }
            return new UtilityVm(vm, guest, capabilities);
        } catch (RuntimeException e) {
            if (guest != null) {
                guest.close();
            } else if (connection != null) {
                connection.close();
            }
            end(vm);
            throw e;
        }
    }

    HcsVirtualMachine vm() {
        return vm;
    }

    GuestConnection guest() {
        return guest;
    }

    GuestCapabilities capabilities() {
        return capabilities;
    }

    /**
     * Ends the VM (terminated, its end awaited at most {@link #END}, its handle closed), then the
     * bridge: a guest agent that lost its bridge first would end the VM unexpectedly. Idempotent.
     */
    @Override
    public void close() {
        try {
            end(vm);
        } finally {
            guest.close();
        }
    }

    private static void end(HcsVirtualMachine vm) {
        vm.terminate();
        try {
            vm.exited().toCompletableFuture().get(END.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("utility VM '{}' still running {} ms after its terminate; closing its handle", vm.id(),
                    END.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // exited() never completes exceptionally
        } finally {
            vm.close();
        }
    }
}
