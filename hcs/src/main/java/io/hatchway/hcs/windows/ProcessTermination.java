package io.hatchway.hcs.windows;

import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hcsshim's {@code hcs/v2 Process.Kill}: through a compute-system handle of its own (HCS serialises
 * the signals to a process per system handle, and a Ctrl event may block), {@code HcsOpenProcess},
 * {@code HcsTerminateProcess}. Stateless.
 */
final class ProcessTermination {
    private static final Logger log = LoggerFactory.getLogger(ProcessTermination.class);

    private ProcessTermination() {
    }

    /**
     * Terminates process {@code pid} of {@code system}. Access denied counts as delivered (the
     * process is on its way out); a system that cannot be opened is terminated whole.
     *
     * @return false when HCS says the process had already stopped
     * @throws io.hatchway.hcs.HatchwayException {@code kill pid <n>} of the HRESULT's kind otherwise
     */
    static boolean terminate(HcsLibrary library, HcsSystem system, int pid) {
        PointerByReference opened = new PointerByReference();
        int hresult;
        try (Utf16 id = Utf16.of(system.id())) {
            hresult = library.core().HcsOpenComputeSystem(id, ComputeCore.GENERIC_ALL, opened);
        }
        if (hresult < 0) {
            log.warn("task '{}' pid {}: HcsOpenComputeSystem failed (HRESULT 0x{}); terminating the container",
                    system.id(), pid, Integer.toHexString(hresult));
            system.terminate();
            return true;
        }
        HCS_SYSTEM other = new HCS_SYSTEM(opened.getValue());
        try {
            PointerByReference process = new PointerByReference();
            hresult = library.core().HcsOpenProcess(other, pid, ComputeCore.GENERIC_ALL, process);
            if (hresult < 0) {
                if (Hresult.isAlreadyStopped(hresult)) {
                    return false;
                }
                throw new HcsFailure("HcsOpenProcess", hresult, null).toError("kill pid %d", pid);
            }
            HCS_PROCESS target = new HCS_PROCESS(process.getValue());
            try {
                Calls.run(library, "HcsTerminateProcess", Calls.CALL,
                        operation -> library.core().HcsTerminateProcess(target, operation, null));
            } catch (HcsFailure e) {
                if (!e.alreadyStopped() && !Hresult.isAccessDenied(e.hresult())) {
                    throw e.toError("kill pid %d", pid);
                }
            } finally {
                library.core().HcsCloseProcess(target);
            }
            return true;
        } finally {
            library.core().HcsCloseComputeSystem(other);
        }
    }
}
