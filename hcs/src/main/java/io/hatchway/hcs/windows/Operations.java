package io.hatchway.hcs.windows;

import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS_INFORMATION;
import java.util.function.ToIntFunction;

/**
 * Runs one asynchronous HCS call the way hcsshim's {@code runOperation} does: a fresh operation
 * (no context, no completion callback), the call, then its result; on an immediate failure the
 * operation's error document; a wait that times out cancels the operation; the result document is
 * freed and the operation always closed. Nothing is thrown: the caller maps the HRESULT.
 */
public final class Operations {
    private Operations() {
    }

    /**
     * What an operation ended with.
     *
     * @param hresult {@code S_OK}, {@code HCS_E_OPERATION_TIMEOUT} (then cancelled), or the call's failure
     * @param document the result document (a success's answer, or a failure's {@code ResultError}); null if none
     * @param processInformation for {@link #runWithProcessInfo} only, else null; its pipe handles
     *     belong to the caller, who closes them with {@code CloseHandle}
     */
    public record Result(int hresult, String document, HCS_PROCESS_INFORMATION processInformation) {
        public boolean succeeded() {
            return hresult >= 0;
        }
    }

    /** {@code call} given a new operation, then waited for at most {@code timeoutMs} ({@link ComputeCore#INFINITE}). */
    public static Result run(HcsLibrary library, int timeoutMs, ToIntFunction<HCS_OPERATION> call) {
        return run(library, timeoutMs, call, false);
    }

    /** As {@link #run}, for the calls whose result is an {@code HCS_PROCESS_INFORMATION} (create process, process info). */
    public static Result runWithProcessInfo(HcsLibrary library, int timeoutMs, ToIntFunction<HCS_OPERATION> call) {
        return run(library, timeoutMs, call, true);
    }

    /**
     * {@code call} given a new operation that is closed without waiting (as hcsshim's
     * {@code submitOperation} for shut down and terminate: HCS goes on and discards the result,
     * observed through the system's exit event). Returns the call's own HRESULT.
     */
    public static int submit(HcsLibrary library, ToIntFunction<HCS_OPERATION> call) {
        ComputeCore core = library.core();
        HCS_OPERATION operation = core.HcsCreateOperation(null, null);
        if (operation == null) {
            return ComputeCore.E_OUTOFMEMORY;
        }
        try {
            return call.applyAsInt(operation);
        } finally {
            core.HcsCloseOperation(operation);
        }
    }

    private static Result run(HcsLibrary library, int timeoutMs, ToIntFunction<HCS_OPERATION> call, boolean processInfo) {
        ComputeCore core = library.core();
        HCS_OPERATION operation = core.HcsCreateOperation(null, null);
        if (operation == null) {
            return new Result(ComputeCore.E_OUTOFMEMORY, null, null);
        }
        PointerByReference document = new PointerByReference();
        HCS_PROCESS_INFORMATION information = processInfo ? new HCS_PROCESS_INFORMATION() : null;
        try {
            int hresult = call.applyAsInt(operation);
            if (hresult < 0) {
                core.HcsGetOperationResult(operation, document);
                return new Result(hresult, Utf16.take(library.kernel32(), document), null);
            }
            hresult = processInfo
                    ? core.HcsWaitForOperationResultAndProcessInfo(operation, timeoutMs, information, document)
                    : core.HcsWaitForOperationResult(operation, timeoutMs, document);
            if (hresult == ComputeCore.HCS_E_OPERATION_TIMEOUT) {
                core.HcsCancelOperation(operation);
            }
            return new Result(hresult, Utf16.take(library.kernel32(), document), hresult >= 0 ? information : null);
        } finally {
            Utf16.take(library.kernel32(), document); // a document left by a call that threw
            core.HcsCloseOperation(operation);
        }
    }
}
