package io.hatchway.hcs.windows;

import static io.hatchway.hcs.ErrorKind.AlreadyExists;
import static io.hatchway.hcs.ErrorKind.DeadlineExceeded;
import static io.hatchway.hcs.ErrorKind.FailedPrecondition;
import static io.hatchway.hcs.ErrorKind.InvalidArgument;
import static io.hatchway.hcs.ErrorKind.NotFound;
import static io.hatchway.hcs.ErrorKind.NotImplemented;
import static io.hatchway.hcs.ErrorKind.PermissionDenied;
import static io.hatchway.hcs.ErrorKind.ResourceExhausted;
import static io.hatchway.hcs.ErrorKind.Unavailable;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.schema.ResultError;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The HRESULTs HCS answers with, and the CONTRACT.md kind each one means. A failure arrives in one
 * of three forms, all accepted: an {@code HCS_E_*} HRESULT ({@code 0x8037xxxx}, what computecore
 * documents), its {@code ERROR_VMCOMPUTE_*} twin ({@code 0xC037xxxx}, what vmcompute and the guest
 * agent report and what hcsshim's predicates still test), or a Win32 error, either wrapped
 * ({@code 0x8007xxxx}) or flattened to its code as hcsshim's bindings flatten every
 * FACILITY_WIN32 HRESULT ({@code if r&0x1fff0000 == 0x00070000 { r &= 0xffff }}).
 *
 * <p>The kinds follow how hcsshim's shim treats each code ({@code hcs/v2 errors.go} predicates,
 * {@code task.go isStatsNotFound}, {@code exec_hcs.go Kill}): a system or element that is not
 * there is NotFound, an operation on a stopped or wrong-state system FailedPrecondition, what the
 * platform does not support ({@code IsNotSupported}: invalid JSON, invalid data, not supported,
 * unknown message) NotImplemented; what hcsshim leaves to containerd's {@code Unknown} is named
 * here as precisely as the code allows, and anything else is Unavailable (the runtime failed).
 */
public enum Hresult {
    // HCS_E_*: computecore's documented results (golang.org/x/sys zerrors_windows.go; HCS docs HCSHResult.md).
    HCS_E_TERMINATED_DURING_START(0x80370100, Unavailable),
    HCS_E_IMAGE_MISMATCH(0x80370101, InvalidArgument),
    HCS_E_HYPERV_NOT_INSTALLED(0x80370102, Unavailable),
    HCS_E_INVALID_STATE(0x80370105, FailedPrecondition),
    HCS_E_UNEXPECTED_EXIT(0x80370106, Unavailable),
    HCS_E_TERMINATED(0x80370107, FailedPrecondition),
    HCS_E_CONNECT_FAILED(0x80370108, Unavailable),
    HCS_E_CONNECTION_TIMEOUT(0x80370109, DeadlineExceeded),
    HCS_E_CONNECTION_CLOSED(0x8037010A, Unavailable),
    HCS_E_UNKNOWN_MESSAGE(0x8037010B, NotImplemented),
    HCS_E_UNSUPPORTED_PROTOCOL_VERSION(0x8037010C, NotImplemented),
    HCS_E_INVALID_JSON(0x8037010D, NotImplemented),
    HCS_E_SYSTEM_NOT_FOUND(0x8037010E, NotFound),
    HCS_E_SYSTEM_ALREADY_EXISTS(0x8037010F, AlreadyExists),
    HCS_E_SYSTEM_ALREADY_STOPPED(0x80370110, FailedPrecondition),
    HCS_E_PROTOCOL_ERROR(0x80370111, Unavailable),
    HCS_E_INVALID_LAYER(0x80370112, InvalidArgument),
    HCS_E_WINDOWS_INSIDER_REQUIRED(0x80370113, NotImplemented),
    HCS_E_SERVICE_NOT_AVAILABLE(0x80370114, Unavailable),
    HCS_E_OPERATION_NOT_STARTED(0x80370115, FailedPrecondition),
    HCS_E_OPERATION_ALREADY_STARTED(0x80370116, FailedPrecondition),
    HCS_E_OPERATION_PENDING(0x80370117, Unavailable),
    HCS_E_OPERATION_TIMEOUT(0x80370118, DeadlineExceeded),
    HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET(0x80370119, FailedPrecondition),
    HCS_E_OPERATION_RESULT_ALLOCATION_FAILED(0x8037011A, ResourceExhausted),
    HCS_E_ACCESS_DENIED(0x8037011B, PermissionDenied),
    HCS_E_GUEST_CRITICAL_ERROR(0x8037011C, Unavailable),
    HCS_E_PROCESS_INFO_NOT_AVAILABLE(0x8037011D, Unavailable),
    HCS_E_SERVICE_DISCONNECT(0x8037011E, Unavailable),
    HCS_E_PROCESS_ALREADY_STOPPED(0x8037011F, FailedPrecondition),

    // ERROR_VMCOMPUTE_*: the same codes with the NTSTATUS-style severity, as vmcompute.dll and the GCS report them.
    ERROR_VMCOMPUTE_TERMINATED_DURING_START(0xC0370100, Unavailable),
    ERROR_VMCOMPUTE_IMAGE_MISMATCH(0xC0370101, InvalidArgument),
    ERROR_VMCOMPUTE_HYPERV_NOT_INSTALLED(0xC0370102, Unavailable),
    ERROR_VMCOMPUTE_OPERATION_PENDING(0xC0370103, Unavailable),
    ERROR_VMCOMPUTE_TOO_MANY_NOTIFICATIONS(0xC0370104, ResourceExhausted),
    ERROR_VMCOMPUTE_INVALID_STATE(0xC0370105, FailedPrecondition),
    ERROR_VMCOMPUTE_UNEXPECTED_EXIT(0xC0370106, Unavailable),
    ERROR_VMCOMPUTE_TERMINATED(0xC0370107, FailedPrecondition),
    ERROR_VMCOMPUTE_CONNECT_FAILED(0xC0370108, Unavailable),
    ERROR_VMCOMPUTE_TIMEOUT(0xC0370109, DeadlineExceeded),
    ERROR_VMCOMPUTE_CONNECTION_CLOSED(0xC037010A, Unavailable),
    ERROR_VMCOMPUTE_UNKNOWN_MESSAGE(0xC037010B, NotImplemented),
    ERROR_VMCOMPUTE_UNSUPPORTED_PROTOCOL_VERSION(0xC037010C, NotImplemented),
    ERROR_VMCOMPUTE_INVALID_JSON(0xC037010D, NotImplemented),
    ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND(0xC037010E, NotFound),
    ERROR_VMCOMPUTE_SYSTEM_ALREADY_EXISTS(0xC037010F, AlreadyExists),
    ERROR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED(0xC0370110, FailedPrecondition),
    ERROR_VMCOMPUTE_PROTOCOL_ERROR(0xC0370111, Unavailable),
    ERROR_VMCOMPUTE_INVALID_LAYER(0xC0370112, InvalidArgument),
    ERROR_VMCOMPUTE_WINDOWS_INSIDER_REQUIRED(0xC0370113, NotImplemented),

    // Win32 errors, by their flattened code (E_ACCESSDENIED 0x80070005 is ERROR_ACCESS_DENIED, E_INVALIDARG 0x80070057 ERROR_INVALID_PARAMETER).
    ERROR_FILE_NOT_FOUND(0x2, InvalidArgument),
    ERROR_PATH_NOT_FOUND(0x3, InvalidArgument),
    ERROR_ACCESS_DENIED(0x5, PermissionDenied),
    ERROR_INVALID_HANDLE(0x6, NotFound),
    ERROR_NOT_ENOUGH_MEMORY(0x8, ResourceExhausted),
    ERROR_INVALID_DATA(0xD, NotImplemented),
    ERROR_OUTOFMEMORY(0xE, ResourceExhausted),
    ERROR_NOT_SUPPORTED(0x32, NotImplemented),
    ERROR_FILE_EXISTS(0x50, AlreadyExists),
    ERROR_INVALID_PARAMETER(0x57, InvalidArgument),
    ERROR_DISK_FULL(0x70, ResourceExhausted),
    ERROR_CALL_NOT_IMPLEMENTED(0x78, NotImplemented),
    ERROR_INVALID_NAME(0x7B, InvalidArgument),
    ERROR_MOD_NOT_FOUND(0x7E, Unavailable),
    ERROR_PROC_NOT_FOUND(0x7F, Unavailable),
    ERROR_ALREADY_EXISTS(0xB7, AlreadyExists),
    ERROR_BAD_EXE_FORMAT(0xC1, InvalidArgument),
    WAIT_TIMEOUT(0x102, DeadlineExceeded),
    ERROR_DIRECTORY(0x10B, InvalidArgument),
    ERROR_NOT_FOUND(0x490, NotFound),
    ERROR_PRIVILEGE_NOT_HELD(0x522, PermissionDenied),
    ERROR_TIMEOUT(0x5B4, DeadlineExceeded),

    // COM results outside FACILITY_WIN32.
    E_NOTIMPL(0x80004001, NotImplemented),
    E_POINTER(0x80004003, InvalidArgument),
    E_ABORT(0x80004004, Unavailable),
    E_FAIL(0x80004005, Unavailable),
    E_UNEXPECTED(0x8000FFFF, Unavailable);

    private static final int FACILITY_MASK = 0x1fff0000;
    private static final int FACILITY_WIN32 = 0x00070000;
    private static final int FACILITY_VMCOMPUTE = 0x00370000;
    /** What tells an ERROR_VMCOMPUTE_* code (0xC...) from its HCS_E_* twin (0x8...). */
    private static final int NTSTATUS_SEVERITY_BIT = 0x40000000;

    private static final Map<Integer, Hresult> BY_VALUE = new HashMap<>();

    static {
        for (Hresult hresult : values()) {
            BY_VALUE.put(hresult.value, hresult);
        }
    }

    private final int value;
    private final ErrorKind kind;

    Hresult(int value, ErrorKind kind) {
        this.value = value;
        this.kind = kind;
    }

    public int value() {
        return value;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** Whether {@code hresult}, in any of its forms, is this code. */
    public boolean is(int hresult) {
        return of(hresult).filter(found -> found == this || found.value == twin(value)).isPresent();
    }

    /**
     * The code {@code hresult} is: its own value, else its flattened Win32 code, else its twin in
     * the other HCS family; empty for a code this table does not name (or a success).
     */
    public static Optional<Hresult> of(int hresult) {
        Hresult found = BY_VALUE.get(hresult);
        if (found == null) {
            found = BY_VALUE.get(flatten(hresult));
        }
        if (found == null && (hresult & FACILITY_MASK) == FACILITY_VMCOMPUTE) {
            found = BY_VALUE.get(twin(hresult));
        }
        return Optional.ofNullable(found);
    }

    /** hcsshim's flattening of a FACILITY_WIN32 HRESULT to its Win32 code; any other value as is. */
    public static int flatten(int hresult) {
        return (hresult & FACILITY_MASK) == FACILITY_WIN32 ? hresult & 0xffff : hresult;
    }

    /** The kind a failure {@code hresult} means; Unavailable for a code this table does not name. */
    public static ErrorKind kindOf(int hresult) {
        return of(hresult).map(Hresult::kind).orElse(Unavailable);
    }

    /**
     * The error a failed HCS call answers with: the kind of {@code hresult}, and a message naming
     * what failed, the HRESULT in hex (as HCS gave it) with its name, and HCS's own text from the
     * result document ({@code ErrorMessage}, then each event's message), e.g.
     * {@code NotFound: open compute system 't1': HRESULT 0x8037010E (HCS_E_SYSTEM_NOT_FOUND): A
     * compute system with the specified identifier does not exist}.
     *
     * @param operation what failed, in the words a user reads
     * @param resultDocument the ResultError JSON HCS returned with the failure, or null/empty;
     *     a document that is not a ResultError is left out of the message
     * @throws IllegalArgumentException for a success code: only failures make errors
     */
    public static HatchwayException error(String operation, int hresult, String resultDocument) {
        return error(operation, hresult, parse(resultDocument));
    }

    /** As {@link #error(String, int, String)} with the document already read (or null). */
    public static HatchwayException error(String operation, int hresult, ResultError result) {
        if (hresult >= 0) {
            throw new IllegalArgumentException(String.format("HRESULT 0x%08X is not a failure", hresult));
        }
        StringBuilder detail = new StringBuilder(operation).append(": ").append(describe(hresult));
        if (result != null) {
            appendText(detail, result.errorMessage());
            if (result.errorEvents() != null) {
                result.errorEvents().forEach(event -> appendText(detail, event.message()));
            }
        }
        return new HatchwayException(kindOf(hresult), detail.toString());
    }

    /** {@code HRESULT 0x8037010E (HCS_E_SYSTEM_NOT_FOUND)}; without the name for a code this table does not name. */
    public static String describe(int hresult) {
        String hex = String.format("HRESULT 0x%08X", hresult);
        return of(hresult).map(found -> hex + " (" + found.name() + ")").orElse(hex);
    }

    /** hcsshim's {@code IsNotExist}: the system (or the element, e.g. a process) is not there. */
    public static boolean isNotExist(int hresult) {
        return HCS_E_SYSTEM_NOT_FOUND.is(hresult) || ERROR_NOT_FOUND.is(hresult);
    }

    /**
     * hcsshim's {@code IsAlreadyStopped} (v2 and legacy sets together): the system or process had
     * already stopped, so a kill counts as delivered.
     */
    public static boolean isAlreadyStopped(int hresult) {
        return HCS_E_SYSTEM_ALREADY_STOPPED.is(hresult) || HCS_E_PROCESS_ALREADY_STOPPED.is(hresult)
                || ERROR_NOT_FOUND.is(hresult);
    }

    /** hcsshim's {@code IsOperationInvalidState}, in both families. */
    public static boolean isInvalidState(int hresult) {
        return HCS_E_INVALID_STATE.is(hresult);
    }

    /** hcsshim's {@code IsAccessIsDenied} (a silo that is terminating), and HCS_E_ACCESS_DENIED. */
    public static boolean isAccessDenied(int hresult) {
        return ERROR_ACCESS_DENIED.is(hresult) || HCS_E_ACCESS_DENIED.is(hresult);
    }

    /** hcsshim's {@code IsErrorInvalidHandle}: the handle was closed (e.g. stats during a stop). */
    public static boolean isInvalidHandle(int hresult) {
        return ERROR_INVALID_HANDLE.is(hresult);
    }

    /** {@code HcsWaitForOperationResult}'s timeout, after which hcsshim cancels the operation. */
    public static boolean isTimeout(int hresult) {
        return HCS_E_OPERATION_TIMEOUT.is(hresult);
    }

    /** hcsshim's {@code IsPending} (vmcompute's form) and computecore's HCS_E_OPERATION_PENDING. */
    public static boolean isPending(int hresult) {
        return ERROR_VMCOMPUTE_OPERATION_PENDING.is(hresult) || HCS_E_OPERATION_PENDING.is(hresult);
    }

    /** The same code in the other HCS family (0x8037xxxx ⇄ 0xC037xxxx); other values as they are. */
    private static int twin(int hresult) {
        return (hresult & FACILITY_MASK) == FACILITY_VMCOMPUTE ? hresult ^ NTSTATUS_SEVERITY_BIT : hresult;
    }

    private static ResultError parse(String resultDocument) {
        if (resultDocument == null || resultDocument.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(resultDocument, ResultError.class);
        } catch (java.io.IOException | RuntimeException e) {
            return null; // as hcsshim: an unreadable result document leaves the error as the code alone
        }
    }

    private static void appendText(StringBuilder detail, String text) {
        if (text != null && !text.isBlank()) {
            detail.append(": ").append(text.strip());
        }
    }
}
