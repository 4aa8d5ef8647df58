package io.hatchway.hcs.windows;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * {@code computecore.dll}, the documented Host Compute Service API, one method per function of
 * {@code ComputeCore.h} with the header's names and parameter order (types of {@code ComputeDefs.h}).
 *
 * <p>How C maps here, the same on Windows x64 and against the Linux stand-in:
 * <ul>
 * <li>{@code HRESULT} is {@code int} (negative = failure; compare with the {@code HCS_E_*} and
 *     {@code E_*} constants), {@code DWORD} is {@code int} ({@link #INFINITE} is -1).
 * <li>{@code HCS_OPERATION}, {@code HCS_SYSTEM}, {@code HCS_PROCESS} and {@code HANDLE} are opaque
 *     pointer-sized values, typed as {@link PointerType}s so one cannot be passed for another. An
 *     out-parameter {@code HCS_SYSTEM*} is a {@link PointerByReference}: wrap its value with
 *     {@code new HCS_SYSTEM(ref.getValue())}.
 * <li>{@code PCWSTR} is {@link Utf16}: UTF-16LE with a 2-byte NUL, built explicitly because JNA's
 *     {@code WString} is 4-byte {@code wchar_t} on Linux. A {@code PWSTR*} result is a
 *     {@link PointerByReference} whose string the caller frees with {@link Kernel32#LocalFree}
 *     (as the HCS documentation says; {@link Utf16#take} reads and frees it).
 * <li>Callbacks are plain {@link Callback}s: x64 has one calling convention, and a
 *     {@code StdCallCallback} would not load on Linux. HCS calls them on a thread of its own.
 * </ul>
 *
 * <p>Asynchronous functions take an {@code HCS_OPERATION} made by {@link #HcsCreateOperation}; their
 * {@code S_OK} only means "started": the result comes from {@link #HcsWaitForOperationResult} (see
 * {@link Operations}). The library is loaded by {@link HcsLibrary}, never by this interface.
 *
 * <p>A little over 300 lines, kept whole: one interface per DLL, one method per function of the
 * header, so it reads against {@code ComputeCore.h} line by line.
 */
public interface ComputeCore extends Library {

    // ---- HRESULTs (ComputeDefs.h / winerror.h), as int bit patterns -----------------------------
    int S_OK = 0;
    int E_INVALIDARG = 0x80070057;
    /** HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE): a handle unknown or already closed. */
    int E_HANDLE = 0x80070006;
    int E_ACCESSDENIED = 0x80070005;
    int E_NOTIMPL = 0x80004001;
    int E_OUTOFMEMORY = 0x8007000E;
    /** HRESULT_FROM_WIN32(ERROR_NOT_FOUND). */
    int E_NOT_FOUND = 0x80070490;
    /** HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), e.g. a command line's program. */
    int E_FILE_NOT_FOUND = 0x80070002;
    /** HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), e.g. a layer or working directory. */
    int E_PATH_NOT_FOUND = 0x80070003;
    /** HRESULT_FROM_WIN32(ERROR_DIRECTORY): a working directory that is none. */
    int E_DIRECTORY = 0x8007010B;
    /** HRESULT_FROM_WIN32(ERROR_CANCELLED): an operation ended by {@link #HcsCancelOperation}. */
    int E_CANCELLED = 0x800704C7;
    int HCS_E_INVALID_STATE = 0x80370105;
    int HCS_E_UNEXPECTED_EXIT = 0x80370106;
    int HCS_E_INVALID_JSON = 0x8037010D;
    int HCS_E_SYSTEM_NOT_FOUND = 0x8037010E;
    int HCS_E_SYSTEM_ALREADY_EXISTS = 0x8037010F;
    int HCS_E_SYSTEM_ALREADY_STOPPED = 0x80370110;
    int HCS_E_OPERATION_NOT_STARTED = 0x80370115;
    int HCS_E_OPERATION_ALREADY_STARTED = 0x80370116;
    int HCS_E_OPERATION_PENDING = 0x80370117;
    int HCS_E_OPERATION_TIMEOUT = 0x80370118;
    int HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET = 0x80370119;
    int HCS_E_ACCESS_DENIED = 0x8037011B;
    int HCS_E_PROCESS_INFO_NOT_AVAILABLE = 0x8037011D;
    int HCS_E_SERVICE_DISCONNECT = 0x8037011E;
    int HCS_E_PROCESS_ALREADY_STOPPED = 0x8037011F;

    /** A {@code timeoutMs} that never elapses. */
    int INFINITE = 0xFFFFFFFF;
    /** The only {@code requestedAccess} the open functions accept. */
    int GENERIC_ALL = 0x10000000;

    // ---- HCS_EVENT_TYPE ----------------------------------------------------------------------
    int HcsEventInvalid = 0x0;
    int HcsEventSystemExited = 0x1;
    int HcsEventSystemCrashInitiated = 0x2;
    int HcsEventSystemCrashReport = 0x3;
    int HcsEventSystemRdpEnhancedModeStateChanged = 0x4;
    int HcsEventSystemSiloJobCreated = 0x5;
    int HcsEventSystemGuestConnectionClosed = 0x6;
    int HcsEventProcessExited = 0x00010000;
    int HcsEventOperationCallback = 0x01000000;
    int HcsEventServiceDisconnect = 0x02000000;

    // ---- HCS_EVENT_OPTIONS (flags) -------------------------------------------------------------
    int HcsEventOptionNone = 0x0;
    int HcsEventOptionEnableOperationCallbacks = 0x1;
    int HcsEventOptionEnableVmLifecycle = 0x2;
    int HcsEventOptionEnableLiveMigrationEvents = 0x4;

    // ---- HCS_OPERATION_TYPE --------------------------------------------------------------------
    int HcsOperationTypeNone = -1;
    int HcsOperationTypeEnumerate = 0;
    int HcsOperationTypeCreate = 1;
    int HcsOperationTypeStart = 2;
    int HcsOperationTypeShutdown = 3;
    int HcsOperationTypePause = 4;
    int HcsOperationTypeResume = 5;
    int HcsOperationTypeSave = 6;
    int HcsOperationTypeTerminate = 7;
    int HcsOperationTypeModify = 8;
    int HcsOperationTypeGetProperties = 9;
    int HcsOperationTypeCreateProcess = 10;
    int HcsOperationTypeSignalProcess = 11;
    int HcsOperationTypeGetProcessInfo = 12;
    int HcsOperationTypeGetProcessProperties = 13;
    int HcsOperationTypeModifyProcess = 14;
    int HcsOperationTypeCrash = 15;

    // ---- handle types (DECLARE_HANDLE) ---------------------------------------------------------

    /** {@code HCS_OPERATION}. */
    final class HCS_OPERATION extends PointerType {
        public HCS_OPERATION() {
        }

        public HCS_OPERATION(Pointer value) {
            super(value);
        }
    }

    /** {@code HCS_SYSTEM}. */
    final class HCS_SYSTEM extends PointerType {
        public HCS_SYSTEM() {
        }

        public HCS_SYSTEM(Pointer value) {
            super(value);
        }
    }

    /** {@code HCS_PROCESS}. */
    final class HCS_PROCESS extends PointerType {
        public HCS_PROCESS() {
        }

        public HCS_PROCESS(Pointer value) {
            super(value);
        }
    }

    /**
     * A kernel32 {@code HANDLE}: here a process's stdio pipe end. Against the Linux stand-in it is
     * the pipe's file descriptor as a pointer-sized value. 0 and {@link #INVALID_HANDLE_VALUE} mean
     * "none".
     */
    final class HANDLE extends PointerType {
        public static final Pointer INVALID_HANDLE_VALUE = new Pointer(-1);

        public HANDLE() {
        }

        public HANDLE(Pointer value) {
            super(value);
        }

        /** Whether this names a handle, neither NULL nor {@code INVALID_HANDLE_VALUE}. */
        public boolean isValid() {
            Pointer value = getPointer();
            return value != null && Pointer.nativeValue(value) != -1L;
        }
    }

    // ---- structures (x64 layout: natural alignment, as JNA lays out by default) -----------------

    /** {@code HCS_PROCESS_INFORMATION}: offsets 0, 4, 8, 16, 24; 32 bytes. */
    @Structure.FieldOrder({"ProcessId", "Reserved", "StdInput", "StdOutput", "StdError"})
    class HCS_PROCESS_INFORMATION extends Structure {
        public int ProcessId;
        public int Reserved;
        /** Owned by the caller once received: {@link Kernel32#CloseHandle} it. */
        public HANDLE StdInput;
        public HANDLE StdOutput;
        public HANDLE StdError;
    }

    /** {@code HCS_EVENT}: offsets 0 ({@code Type}), 8 ({@code EventData}), 16; 24 bytes. */
    @Structure.FieldOrder({"Type", "EventData", "Operation"})
    class HCS_EVENT extends Structure {
        /** An {@code HCS_EVENT_TYPE}. */
        public int Type;
        /** {@code PCWSTR}, owned by HCS for the callback's duration: read it with {@link Utf16#read}. */
        public Pointer EventData;
        /** Set only for {@link #HcsEventOperationCallback}. */
        public HCS_OPERATION Operation;

        public HCS_EVENT() {
        }

        public HCS_EVENT(Pointer memory) {
            super(memory);
            read();
        }
    }

    // ---- callbacks -------------------------------------------------------------------------------

    /** {@code typedef void (CALLBACK *HCS_OPERATION_COMPLETION)(HCS_OPERATION operation, void* context)}. */
    interface HCS_OPERATION_COMPLETION extends Callback {
        void invoke(HCS_OPERATION operation, Pointer context);
    }

    /** {@code typedef void (CALLBACK *HCS_EVENT_CALLBACK)(HCS_EVENT* event, void* context)}. */
    interface HCS_EVENT_CALLBACK extends Callback {
        void invoke(HCS_EVENT event, Pointer context);
    }

    // ---- operations ------------------------------------------------------------------------------

    /** Returns NULL on failure. The caller closes it with {@link #HcsCloseOperation}. */
    HCS_OPERATION HcsCreateOperation(Pointer context, HCS_OPERATION_COMPLETION callback);

    void HcsCloseOperation(HCS_OPERATION operation);

    int HcsWaitForOperationResult(HCS_OPERATION operation, int timeoutMs, PointerByReference resultDocument);

    int HcsWaitForOperationResultAndProcessInfo(HCS_OPERATION operation, int timeoutMs,
            HCS_PROCESS_INFORMATION processInformation, PointerByReference resultDocument);

    int HcsGetOperationResult(HCS_OPERATION operation, PointerByReference resultDocument);

    int HcsGetOperationResultAndProcessInfo(HCS_OPERATION operation, HCS_PROCESS_INFORMATION processInformation,
            PointerByReference resultDocument);

    int HcsSetOperationCallback(HCS_OPERATION operation, Pointer context, HCS_OPERATION_COMPLETION callback);

    int HcsCancelOperation(HCS_OPERATION operation);

    Pointer HcsGetOperationContext(HCS_OPERATION operation);

    /** An {@code HCS_OPERATION_TYPE}. */
    int HcsGetOperationType(HCS_OPERATION operation);

    // ---- compute systems -------------------------------------------------------------------------

    int HcsEnumerateComputeSystems(Utf16 query, HCS_OPERATION operation);

    /** {@code securityDescriptor}: a {@code const SECURITY_DESCRIPTOR*}, NULL here. */
    int HcsCreateComputeSystem(Utf16 id, Utf16 configuration, HCS_OPERATION operation, Pointer securityDescriptor,
            PointerByReference computeSystem);

    int HcsOpenComputeSystem(Utf16 id, int requestedAccess, PointerByReference computeSystem);

    void HcsCloseComputeSystem(HCS_SYSTEM computeSystem);

    int HcsStartComputeSystem(HCS_SYSTEM computeSystem, HCS_OPERATION operation, Utf16 options);

    int HcsShutDownComputeSystem(HCS_SYSTEM computeSystem, HCS_OPERATION operation, Utf16 options);

    int HcsTerminateComputeSystem(HCS_SYSTEM computeSystem, HCS_OPERATION operation, Utf16 options);

    int HcsGetComputeSystemProperties(HCS_SYSTEM computeSystem, HCS_OPERATION operation, Utf16 propertyQuery);

    /** {@code identity}: a {@code HANDLE}, NULL here. */
    int HcsModifyComputeSystem(HCS_SYSTEM computeSystem, HCS_OPERATION operation, Utf16 configuration,
            HANDLE identity);

    /** {@code callbackOptions}: {@code HCS_EVENT_OPTIONS} flags. */
    int HcsSetComputeSystemCallback(HCS_SYSTEM computeSystem, int callbackOptions, Pointer context,
            HCS_EVENT_CALLBACK callback);

    int HcsWaitForComputeSystemExit(HCS_SYSTEM computeSystem, int timeoutMs, PointerByReference result);

    // ---- processes -------------------------------------------------------------------------------

    /** {@code securityDescriptor} must be NULL. */
    int HcsCreateProcess(HCS_SYSTEM computeSystem, Utf16 processParameters, HCS_OPERATION operation,
            Pointer securityDescriptor, PointerByReference process);

    int HcsOpenProcess(HCS_SYSTEM computeSystem, int processId, int requestedAccess, PointerByReference process);

    void HcsCloseProcess(HCS_PROCESS process);

    int HcsSignalProcess(HCS_PROCESS process, HCS_OPERATION operation, Utf16 options);

    /** {@code options} is reserved: NULL (hcsshim passes {@code L""}; both are accepted). */
    int HcsTerminateProcess(HCS_PROCESS process, HCS_OPERATION operation, Utf16 options);

    int HcsGetProcessInfo(HCS_PROCESS process, HCS_OPERATION operation);

    int HcsGetProcessProperties(HCS_PROCESS process, HCS_OPERATION operation, Utf16 propertyQuery);

    int HcsModifyProcess(HCS_PROCESS process, HCS_OPERATION operation, Utf16 settings);

    int HcsSetProcessCallback(HCS_PROCESS process, int callbackOptions, Pointer context, HCS_EVENT_CALLBACK callback);

    int HcsWaitForProcessExit(HCS_PROCESS process, int timeoutMs, PointerByReference result);

    /**
     * The kernel32 functions HCS's results need: freeing result documents and using the stdio pipe
     * handles of {@link HCS_PROCESS_INFORMATION}. From {@code kernel32.dll} on Windows; the Linux
     * stand-in exports the same symbols with the same ABI. Failures set the last error, read with
     * {@code Native.getLastError()} right after the call.
     */
    interface Kernel32 extends Library {
        /** ReadFile at the end of a pipe whose writer closed: FALSE with this last error. */
        int ERROR_BROKEN_PIPE = 109;
        /** WriteFile to a pipe whose reader closed. */
        int ERROR_NO_DATA = 232;
        int ERROR_INVALID_HANDLE = 6;

        /** {@code HLOCAL LocalFree(HLOCAL hMem)}: NULL on success. */
        Pointer LocalFree(Pointer hMem);

        /** {@code BOOL ReadFile(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED)}; blocks. */
        boolean ReadFile(HANDLE hFile, Pointer lpBuffer, int nNumberOfBytesToRead, IntByReference lpNumberOfBytesRead,
                Pointer lpOverlapped);

        /** {@code BOOL WriteFile(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED)}. */
        boolean WriteFile(HANDLE hFile, Pointer lpBuffer, int nNumberOfBytesToWrite,
                IntByReference lpNumberOfBytesWritten, Pointer lpOverlapped);

        /** {@code BOOL CloseHandle(HANDLE)}. */
        boolean CloseHandle(HANDLE hObject);
    }
}
