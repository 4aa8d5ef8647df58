/*
 * A stand-in for computecore.dll (and the few kernel32 functions its results need) on Linux, for
 * Hatchway's tests: the same symbols with the same x64 ABI, emulating a process-isolated Windows
 * container as a set of real host processes. What it keeps of HCS:
 *
 *  - handles are opaque pointer-sized values (never reused), HRESULTs are returned, strings are
 *    UTF-16LE with a 16-bit NUL, result documents are allocated here and freed by the caller with
 *    this library's LocalFree;
 *  - every asynchronous call takes an HCS_OPERATION created unused (wait/get/cancel answer
 *    HCS_E_OPERATION_NOT_STARTED), bound once (HCS_E_OPERATION_ALREADY_STARTED after), completed on a
 *    thread of its own that then calls the operation's completion callback; HcsWaitForOperationResult
 *    honours its timeout (HCS_E_OPERATION_TIMEOUT), HcsGetOperationResult answers
 *    HCS_E_OPERATION_PENDING, HcsCancelOperation ends a pending shut down or terminate with
 *    HRESULT_FROM_WIN32(ERROR_CANCELLED); a failure found before the work starts is returned by the
 *    call and is also the operation's result (with a ResultError document; no completion callback);
 *  - events (SystemExited with SystemExitStatus, ProcessExited with ProcessStatus, and
 *    HcsEventOperationCallback with HcsEventOptionEnableOperationCallbacks) come on the stand-in's
 *    threads; closing a handle waits for a callback in flight on it (unless called from it) and no
 *    callback starts after; a callback set once its process or system has exited gets the exit
 *    event at once, so none is lost between a create and the callback set after it;
 *  - every JSON document is parsed and checked against hcsshim's schema2 field names and values: an
 *    unknown field, a wrong type or a value the schema does not have is HCS_E_INVALID_JSON.
 *
 * Emulation choices (Linux terms): each process is posix_spawn'ed in a session of its own, its
 * CommandLine split by CommandLineToArgvW's rules and its program looked up in the process's own
 * PATH; signals go to its process group: CtrlC SIGINT, CtrlBreak SIGQUIT, CtrlClose and CtrlLogOff
 * SIGHUP, CtrlShutdown SIGTERM, terminate SIGKILL; a process killed by signal N exits 128+N; stdin is
 * relayed by a thread so that CloseHandle {StdIn} closes it while the caller still holds its end;
 * EmulateConsole gives a pseudo-terminal (stdout and stdin handles on its master, no stderr); User
 * is accepted and ignored; a container's shut down sends CtrlShutdown (SIGTERM) to every process and
 * waits for them all, terminate sends SIGKILL. A HANDLE is a pipe's file descriptor.
 *
 * Lifetimes: handles are freed once closed and no thread uses them; compute system and process
 * records are kept (small) for as long as the library is loaded, which is for the JVM's life: it
 * is linked -z nodelete, as kernel32 and computecore are never unloaded under their own threads. A
 * pid is reaped only under the lock that marks its process exited, so no signal reaches a reused pid.
 *
 * Test-only exports: StandInOpenHandles() and StandInCounts().
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int32_t HRESULT;
typedef uint32_t DWORD;
typedef uint16_t WCHAR;
typedef int BOOL;
typedef void *HANDLE;

#define S_OK ((HRESULT)0)
#define E_INVALIDARG ((HRESULT)0x80070057)
#define E_HANDLE ((HRESULT)0x80070006)
#define E_ACCESSDENIED ((HRESULT)0x80070005)
#define E_NOTIMPL ((HRESULT)0x80004001)
#define E_OUTOFMEMORY ((HRESULT)0x8007000E)
#define E_NOT_FOUND ((HRESULT)0x80070490)
#define E_FILE_NOT_FOUND ((HRESULT)0x80070002)
#define E_PATH_NOT_FOUND ((HRESULT)0x80070003)
#define E_DIRECTORY ((HRESULT)0x8007010B)
#define E_CANCELLED ((HRESULT)0x800704C7)
#define HCS_E_INVALID_STATE ((HRESULT)0x80370105)
#define HCS_E_INVALID_JSON ((HRESULT)0x8037010D)
#define HCS_E_SYSTEM_NOT_FOUND ((HRESULT)0x8037010E)
#define HCS_E_SYSTEM_ALREADY_EXISTS ((HRESULT)0x8037010F)
#define HCS_E_SYSTEM_ALREADY_STOPPED ((HRESULT)0x80370110)
#define HCS_E_OPERATION_NOT_STARTED ((HRESULT)0x80370115)
#define HCS_E_OPERATION_ALREADY_STARTED ((HRESULT)0x80370116)
#define HCS_E_OPERATION_PENDING ((HRESULT)0x80370117)
#define HCS_E_OPERATION_TIMEOUT ((HRESULT)0x80370118)
#define HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET ((HRESULT)0x80370119)
#define HCS_E_PROCESS_ALREADY_STOPPED ((HRESULT)0x8037011F)

#define ERROR_INVALID_HANDLE 6
#define ERROR_BROKEN_PIPE 109
#define ERROR_NO_DATA 232
#define ERROR_INVALID_PARAMETER 87

#define INFINITE 0xFFFFFFFFu
#define GENERIC_ALL 0x10000000u

enum { EVENT_SYSTEM_EXITED = 0x1, EVENT_PROCESS_EXITED = 0x00010000, EVENT_OPERATION_CALLBACK = 0x01000000 };
enum { OPTION_ENABLE_OPERATION_CALLBACKS = 0x1, OPTIONS_ALL = 0x7 };
enum {
    OP_NONE = -1, OP_ENUMERATE = 0, OP_CREATE = 1, OP_START = 2, OP_SHUTDOWN = 3, OP_TERMINATE = 7, OP_MODIFY = 8,
    OP_GET_PROPERTIES = 9, OP_CREATE_PROCESS = 10, OP_SIGNAL_PROCESS = 11, OP_GET_PROCESS_INFO = 12,
    OP_GET_PROCESS_PROPERTIES = 13, OP_MODIFY_PROCESS = 14
};

typedef struct {
    DWORD ProcessId;
    DWORD Reserved;
    HANDLE StdInput;
    HANDLE StdOutput;
    HANDLE StdError;
} HCS_PROCESS_INFORMATION;

typedef struct {
    int Type;
    const WCHAR *EventData;
    void *Operation;
} HCS_EVENT;

typedef void (*HCS_OPERATION_COMPLETION)(void *operation, void *context);
typedef void (*HCS_EVENT_CALLBACK)(HCS_EVENT *event, void *context);

/* ---- objects and handles ------------------------------------------------------------------- */

enum kind { K_OPERATION = 1, K_SYSTEM, K_PROCESS };
enum op_state { OP_CREATED, OP_RUNNING, OP_DONE };
enum sys_state { SYS_CREATED, SYS_RUNNING, SYS_STOPPED };

struct system;
struct process;

struct obj {
    enum kind kind;
    uintptr_t handle;
    int refs; /* the open handle, plus every thread using it */
    int closed;
    struct obj *next;
    /* the callback of a system or process handle, or an operation's completion callback */
    void *callback;
    void *context;
    int in_callback;
    int told; /* the exit event of its system or process was delivered to it */
};

struct operation {
    struct obj o;
    enum op_state state;
    int type;
    HRESULT result;
    char *document; /* UTF-8, or NULL */
    int has_info;
    HCS_PROCESS_INFORMATION info;
    int info_taken; /* the pipe ends went to the caller */
    int cancelled;
    struct system *system;      /* work arguments */
    struct process *process;
    struct obj *system_handle;  /* for HcsEventOptionEnableOperationCallbacks */
    cJSON *arg;
    char *text;
};

struct system_handle {
    struct obj o;
    struct system *system;
    int options;
};

struct process_handle {
    struct obj o;
    struct process *process;
};

struct process {
    struct system *system;
    pid_t pid;
    int exited;
    int notified; /* its ProcessExited events were delivered */
    int exit_code;
    int console;      /* pty master kept for ConsoleSize, -1 if none */
    int stdin_wake;   /* eventfd that ends the stdin relay, -1 if none */
    struct timespec started;
    struct process *next;
};

struct system {
    char *id;
    char *owner;
    enum sys_state state;
    int terminate_on_last_close;
    int handles;
    int removed;
    int stopping;             /* a shut down or terminate is under way */
    int forced;               /* a terminate was asked for: the exit is a ForcedExit */
    const char *exit_type;    /* once stopped */
    struct process *processes;
    char *root;               /* Container.Storage.Path: the default working directory */
    time_t started_wall;
    struct timespec started;
    uint64_t exited_user_100ns, exited_kernel_100ns, exited_read_blocks, exited_write_blocks;
    /* a utility VM: its RuntimeId, size, and the jailed GCS that is its guest (0 when none runs) */
    int vm;
    char *runtime_id;
    uint64_t memory_mb;
    int processors;
    pid_t guest;
    struct system *next;
};

/* a process as /proc/<pid>/stat shows it */
struct proc_entry {
    pid_t pid, ppid, session;
    char state;
    char comm[64];
    uint64_t utime, stime, starttime;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed; /* broadcast on every change; CLOCK_MONOTONIC */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct obj *objects;
static struct system *systems;
static uintptr_t next_handle = 0x5a000;
static int busy_threads;
static int processes_alive;

/* caller-owned pipe ends and result documents, to validate and count them */
#define MAX_PIPES 4096
static char pipe_owned[MAX_PIPES];
static int pipes_open;
struct document { void *memory; struct document *next; };
static struct document *documents;
static int documents_open;

static void init_once(void) {
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&changed, &attributes);
    pthread_condattr_destroy(&attributes);
}

static void lock_all(void) {
    pthread_once(&once, init_once);
    pthread_mutex_lock(&lock);
}

static void unlock_all(void) {
    pthread_mutex_unlock(&lock);
}

static struct obj *add_object(struct obj *o, enum kind kind) {
    o->kind = kind;
    next_handle += 0x10;
    o->handle = next_handle;
    o->refs = 1;
    o->next = objects;
    objects = o;
    return o;
}

/* the open object a handle names, of the kind expected; NULL if unknown or closed */
static struct obj *find(void *handle, enum kind kind) {
    for (struct obj *o = objects; o; o = o->next) {
        if (o->handle == (uintptr_t)handle) {
            return o->kind == kind && !o->closed ? o : NULL;
        }
    }
    return NULL;
}

static void free_operation(struct operation *op);

/* the handle whose callback this thread is running, if any: closing it from there must not wait */
static __thread struct obj *calling;

static void unref(struct obj *o) {
    if (--o->refs > 0) {
        return;
    }
    for (struct obj **p = &objects; *p; p = &(*p)->next) {
        if (*p == o) {
            *p = o->next;
            break;
        }
    }
    if (o->kind == K_OPERATION) {
        free_operation((struct operation *)o);
    } else {
        free(o);
    }
}

/* marks closed (no new callback) and waits for a callback in flight, unless it is ours */
static void close_object(struct obj *o) {
    o->closed = 1;
    o->callback = NULL;
    while (o->in_callback > (calling == o ? 1 : 0)) {
        pthread_cond_wait(&changed, &lock);
    }
    unref(o);
}

static void deadline_after(struct timespec *deadline, DWORD ms) {
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

/* waits on `changed`; 0 once the deadline passed */
static int wait_until(const struct timespec *deadline) {
    if (!deadline) {
        pthread_cond_wait(&changed, &lock);
        return 1;
    }
    return pthread_cond_timedwait(&changed, &lock, deadline) != ETIMEDOUT;
}

/* ---- strings ------------------------------------------------------------------------------- */

/* UTF-16LE (NUL-terminated) to UTF-8; NULL for NULL; *bad set on a lone surrogate */
static char *to_utf8(const WCHAR *text, int *bad) {
    if (!text) {
        return NULL;
    }
    size_t units = 0;
    while (text[units]) {
        units++;
    }
    char *out = malloc(units * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = text[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            *bad = 1;
            c = 0xFFFD;
        }
        if (c < 0x80) {
            out[n++] = (char)c;
        } else if (c < 0x800) {
            out[n++] = (char)(0xC0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[n++] = (char)(0xE0 | (c >> 12));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | (c >> 18));
            out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[n] = 0;
    return out;
}

/* UTF-8 to a malloc'ed UTF-16LE string with its 16-bit NUL */
static WCHAR *to_utf16(const char *text) {
    size_t length = strlen(text);
    WCHAR *out = malloc((length + 1) * sizeof(WCHAR));
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t c;
        int extra;
        if (*s < 0x80) {
            c = *s;
            extra = 0;
        } else if ((*s & 0xE0) == 0xC0) {
            c = *s & 0x1F;
            extra = 1;
        } else if ((*s & 0xF0) == 0xE0) {
            c = *s & 0x0F;
            extra = 2;
        } else {
            c = *s & 0x07;
            extra = 3;
        }
        s++;
        for (int i = 0; i < extra && (*s & 0xC0) == 0x80; i++, s++) {
            c = (c << 6) | (*s & 0x3F);
        }
        if (c >= 0x10000) {
            c -= 0x10000;
            out[n++] = (WCHAR)(0xD800 + (c >> 10));
            out[n++] = (WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            out[n++] = (WCHAR)c;
        }
    }
    out[n] = 0;
    return out;
}

/* a result document handed to the caller, who frees it with LocalFree; call locked */
static WCHAR *give_document(const char *utf8) {
    WCHAR *memory = to_utf16(utf8);
    struct document *d = malloc(sizeof *d);
    d->memory = memory;
    d->next = documents;
    documents = d;
    documents_open++;
    return memory;
}

static char *format(const char *pattern, ...) {
    va_list arguments;
    va_start(arguments, pattern);
    char *out = NULL;
    if (vasprintf(&out, pattern, arguments) < 0) {
        out = NULL;
    }
    va_end(arguments);
    return out;
}

/* a ResultError document */
static char *result_error(HRESULT result, const char *message) {
    cJSON *error = cJSON_CreateObject();
    cJSON_AddNumberToObject(error, "Error", result);
    cJSON_AddStringToObject(error, "ErrorMessage", message);
    char *out = cJSON_PrintUnformatted(error);
    cJSON_Delete(error);
    return out;
}

/* ---- JSON schema (hcsshim internal/hcs/schema2 names) ---------------------------------------- */

enum vkind { V_STRING, V_BOOL, V_INT32, V_UINT64, V_UINT16, V_OBJECT, V_ARRAY, V_STRING_MAP, V_ANY_OBJECT, V_ANY_ARRAY, V_ANY };

struct field {
    const char *name;
    enum vkind kind;
    const struct field *fields;   /* V_OBJECT, or a V_ARRAY of objects */
    enum vkind element;           /* V_ARRAY */
    const char *const *values;    /* allowed strings, NULL-terminated; NULL = any */
};

#define END {NULL, 0, NULL, 0, NULL}
static const struct field VERSION[] = {{"Major", V_INT32}, {"Minor", V_INT32}, END};
static const struct field LAYER[] = {{"Id", V_STRING}, {"Path", V_STRING}, {"PathType", V_STRING}, {"Cache", V_STRING}, END};
static const struct field QOS[] = {{"IopsMaximum", V_INT32}, {"BandwidthMaximum", V_INT32}, END};
static const struct field STORAGE[] = {{"Layers", V_ARRAY, LAYER, V_OBJECT}, {"Path", V_STRING}, {"QoS", V_OBJECT, QOS},
                                       {"PrivilegedContainerRootPath", V_STRING}, END};
static const struct field MAPPED_DIRECTORY[] = {{"HostPath", V_STRING}, {"HostPathType", V_STRING}, {"ContainerPath", V_STRING},
                                                {"ReadOnly", V_BOOL}, END};
static const struct field MAPPED_PIPE[] = {{"ContainerPipeName", V_STRING}, {"HostPath", V_STRING}, {"HostPathType", V_STRING}, END};
static const struct field MEMORY[] = {{"SizeInMB", V_UINT64}, END};
static const struct field PROCESSOR[] = {{"Count", V_INT32}, {"Maximum", V_INT32}, {"Weight", V_INT32}, END};
static const struct field NETWORKING[] = {{"AllowUnqualifiedDnsQuery", V_BOOL}, {"DnsSearchList", V_STRING},
                                          {"NetworkSharedContainerName", V_STRING}, {"Namespace", V_STRING},
                                          {"NetworkAdapters", V_ARRAY, NULL, V_STRING}, END};
static const struct field GUEST_OS[] = {{"HostName", V_STRING}, END};
static const char *const ISOLATION_TYPES[] = {"HostProcess", NULL};
static const struct field CONTAINER[] = {
    {"GuestOs", V_OBJECT, GUEST_OS}, {"Storage", V_OBJECT, STORAGE}, {"MappedDirectories", V_ARRAY, MAPPED_DIRECTORY, V_OBJECT},
    {"MappedPipes", V_ARRAY, MAPPED_PIPE, V_OBJECT}, {"Memory", V_OBJECT, MEMORY}, {"Processor", V_OBJECT, PROCESSOR},
    {"Networking", V_OBJECT, NETWORKING}, {"HvSocket", V_ANY_OBJECT}, {"ContainerCredentialGuard", V_ANY_OBJECT},
    {"RegistryChanges", V_ANY_OBJECT}, {"AssignedDevices", V_ANY_ARRAY}, {"AdditionalDeviceNamespace", V_ANY_OBJECT},
    {"IsolationType", V_STRING, NULL, 0, ISOLATION_TYPES}, END};
/* a utility VM (schema2 virtual_machine.go and what it holds), as hcsshim's CreateLCOW fills it */
static const struct field LINUX_KERNEL_DIRECT[] = {{"KernelFilePath", V_STRING}, {"InitRdPath", V_STRING}, {"KernelCmdLine", V_STRING}, END};
static const char *const BOOT_DEVICE_TYPES[] = {"ScsiDrive", "VmbFs", "Network", "File", NULL};
static const struct field UEFI_BOOT_ENTRY[] = {{"DevicePath", V_STRING}, {"DeviceType", V_STRING, NULL, 0, BOOT_DEVICE_TYPES},
                                               {"VmbFsRootPath", V_STRING}, {"OptionalData", V_STRING}, {"DiskNumber", V_INT32}, END};
static const struct field UEFI[] = {{"EnableDebugger", V_BOOL}, {"SecureBootTemplateId", V_STRING}, {"BootThis", V_OBJECT, UEFI_BOOT_ENTRY},
                                    {"Console", V_STRING}, END};
static const struct field CHIPSET[] = {{"Uefi", V_OBJECT, UEFI}, {"LinuxKernelDirect", V_OBJECT, LINUX_KERNEL_DIRECT}, {"UseUtc", V_BOOL}, END};
static const struct field MEMORY2[] = {{"SizeInMB", V_UINT64}, {"AllowOvercommit", V_BOOL}, {"EnableDeferredCommit", V_BOOL},
                                       {"EnableHotHint", V_BOOL}, {"EnableColdHint", V_BOOL}, {"EnableColdDiscardHint", V_BOOL},
                                       {"LowMMIOGapInMB", V_UINT64}, {"HighMMIOBaseInMB", V_UINT64}, {"HighMMIOGapInMB", V_UINT64}, END};
static const struct field PROCESSOR2[] = {{"Count", V_INT32}, {"Limit", V_UINT64}, {"Weight", V_UINT64},
                                          {"ExposeVirtualizationExtensions", V_BOOL}, END};
static const struct field TOPOLOGY[] = {{"Memory", V_OBJECT, MEMORY2}, {"Processor", V_OBJECT, PROCESSOR2}, END};
static const struct field HV_SOCKET_SYSTEM_CONFIG[] = {{"DefaultBindSecurityDescriptor", V_STRING}, {"DefaultConnectSecurityDescriptor", V_STRING},
                                                       {"ServiceTable", V_ANY_OBJECT}, END};
static const struct field HV_SOCKET2[] = {{"HvSocketConfig", V_OBJECT, HV_SOCKET_SYSTEM_CONFIG}, END};
static const struct field PLAN9_SHARE[] = {{"Name", V_STRING}, {"AccessName", V_STRING}, {"Path", V_STRING}, {"Port", V_INT32},
                                           {"Flags", V_INT32}, {"AllowedFiles", V_ARRAY, NULL, V_STRING}, END};
static const struct field PLAN9[] = {{"Shares", V_ARRAY, PLAN9_SHARE, V_OBJECT}, END};
static const struct field VIRTUAL_PMEM_CONTROLLER[] = {{"Devices", V_ANY_OBJECT}, {"MaximumCount", V_INT32}, {"MaximumSizeBytes", V_UINT64}, END};
static const struct field DEVICES[] = {{"HvSocket", V_OBJECT, HV_SOCKET2}, {"Plan9", V_OBJECT, PLAN9}, {"Scsi", V_ANY_OBJECT},
                                       {"VirtualPMem", V_OBJECT, VIRTUAL_PMEM_CONTROLLER}, {"ComPorts", V_ANY_OBJECT}, END};
static const struct field GUEST_CONNECTION[] = {{"UseVsock", V_BOOL}, {"UseConnectedSuspend", V_BOOL}, {"UseHostTimeZone", V_BOOL}, END};
static const struct field VIRTUAL_MACHINE[] = {{"StopOnReset", V_BOOL}, {"Chipset", V_OBJECT, CHIPSET}, {"ComputeTopology", V_OBJECT, TOPOLOGY},
                                               {"Devices", V_OBJECT, DEVICES}, {"GuestConnection", V_OBJECT, GUEST_CONNECTION},
                                               {"StorageQoS", V_OBJECT, QOS}, END};
static const struct field COMPUTE_SYSTEM[] = {
    {"Owner", V_STRING}, {"SchemaVersion", V_OBJECT, VERSION}, {"HostingSystemId", V_STRING}, {"HostedSystem", V_ANY_OBJECT},
    {"Container", V_OBJECT, CONTAINER}, {"VirtualMachine", V_OBJECT, VIRTUAL_MACHINE}, {"ShouldTerminateOnLastHandleClosed", V_BOOL}, END};
static const struct field PROCESS_PARAMETERS[] = {
    {"ApplicationName", V_STRING}, {"CommandLine", V_STRING}, {"CommandArgs", V_ARRAY, NULL, V_STRING}, {"User", V_STRING},
    {"WorkingDirectory", V_STRING}, {"Environment", V_STRING_MAP}, {"RestrictedToken", V_BOOL}, {"EmulateConsole", V_BOOL},
    {"CreateStdInPipe", V_BOOL}, {"CreateStdOutPipe", V_BOOL}, {"CreateStdErrPipe", V_BOOL},
    {"ConsoleSize", V_ARRAY, NULL, V_UINT16}, {"UseExistingLogin", V_BOOL}, {"UseLegacyConsole", V_BOOL}, END};
static const char *const SIGNALS[] = {"CtrlC", "CtrlBreak", "CtrlClose", "CtrlLogOff", "CtrlShutdown", NULL};
static const struct field SIGNAL_PROCESS_OPTIONS[] = {{"Signal", V_STRING, NULL, 0, SIGNALS}, END};
static const char *const PROCESS_MODIFY_OPERATIONS[] = {"ConsoleSize", "CloseHandle", NULL};
static const char *const STDIO_HANDLES[] = {"StdIn", "StdOut", "StdErr", "All", NULL};
static const struct field CONSOLE_SIZE[] = {{"Height", V_UINT16}, {"Width", V_UINT16}, END};
static const struct field CLOSE_HANDLE[] = {{"Handle", V_STRING, NULL, 0, STDIO_HANDLES}, END};
static const struct field PROCESS_MODIFY_REQUEST[] = {{"Operation", V_STRING, NULL, 0, PROCESS_MODIFY_OPERATIONS},
                                                      {"ConsoleSize", V_OBJECT, CONSOLE_SIZE}, {"CloseHandle", V_OBJECT, CLOSE_HANDLE}, END};
static const char *const PROPERTY_TYPES[] = {"Memory", "GuestMemory", "Statistics", "ProcessList", "TerminateOnLastHandleClosed",
                                             "SharedMemoryRegion", "ContainerCredentialGuard", "GuestConnection", "ICHeartbeatStatus",
                                             "ProcessorTopology", "CpuGroup", "SystemGUID", NULL};
static const struct field PROPERTY_QUERY[] = {{"PropertyTypes", V_ARRAY, NULL, V_STRING, PROPERTY_TYPES}, {"Queries", V_ANY_OBJECT}, END};
/* schema1 ComputeSystemQuery, what HcsEnumerateComputeSystems takes */
static const struct field SYSTEM_QUERY[] = {{"Ids", V_ARRAY, NULL, V_STRING}, {"Types", V_ARRAY, NULL, V_STRING},
                                            {"Names", V_ARRAY, NULL, V_STRING}, {"Owners", V_ARRAY, NULL, V_STRING}, END};
static const char *const REQUEST_TYPES[] = {"Add", "Remove", "Update", NULL};
static const struct field MODIFY_SETTING_REQUEST[] = {{"ResourcePath", V_STRING}, {"RequestType", V_STRING, NULL, 0, REQUEST_TYPES},
                                                      {"Settings", V_ANY}, {"GuestRequest", V_ANY}, END};

static int check_value(const cJSON *value, enum vkind kind, const struct field *fields, enum vkind element,
                       const char *const *values, const char *path, char *error, size_t size);

static int check_object(const cJSON *object, const struct field *fields, const char *path, char *error, size_t size) {
    if (!cJSON_IsObject(object)) {
        snprintf(error, size, "%s: not an object", path);
        return 0;
    }
    for (const cJSON *member = object->child; member; member = member->next) {
        const struct field *f = fields;
        while (f->name && strcmp(f->name, member->string) != 0) {
            f++;
        }
        char inner[512];
        snprintf(inner, sizeof inner, "%s%s%s", path, *path ? "." : "", member->string);
        if (!f->name) {
            snprintf(error, size, "%s: unknown field", inner);
            return 0;
        }
        for (const cJSON *other = object->child; other != member; other = other->next) {
            if (strcmp(other->string, member->string) == 0) {
                snprintf(error, size, "%s: duplicate field", inner);
                return 0;
            }
        }
        if (!check_value(member, f->kind, f->fields, f->element, f->values, inner, error, size)) {
            return 0;
        }
    }
    return 1;
}

static int check_value(const cJSON *value, enum vkind kind, const struct field *fields, enum vkind element,
                       const char *const *values, const char *path, char *error, size_t size) {
    switch (kind) {
    case V_STRING:
        if (!cJSON_IsString(value)) {
            snprintf(error, size, "%s: not a string", path);
            return 0;
        }
        if (values) {
            for (const char *const *v = values; *v; v++) {
                if (strcmp(*v, value->valuestring) == 0) {
                    return 1;
                }
            }
            snprintf(error, size, "%s: no such value: %s", path, value->valuestring);
            return 0;
        }
        return 1;
    case V_BOOL:
        if (!cJSON_IsBool(value)) {
            snprintf(error, size, "%s: not a boolean", path);
            return 0;
        }
        return 1;
    case V_INT32:
    case V_UINT64:
    case V_UINT16: {
        double d = value->valuedouble;
        double low = kind == V_INT32 ? -2147483648.0 : 0;
        double high = kind == V_INT32 ? 2147483647.0 : kind == V_UINT16 ? 65535.0 : 18446744073709551615.0;
        if (!cJSON_IsNumber(value) || d != (double)(long long)d || d < low || d > high) {
            snprintf(error, size, "%s: not an integer in range", path);
            return 0;
        }
        return 1;
    }
    case V_OBJECT:
        return check_object(value, fields, path, error, size);
    case V_ARRAY: {
        if (!cJSON_IsArray(value)) {
            snprintf(error, size, "%s: not an array", path);
            return 0;
        }
        int i = 0;
        for (const cJSON *item = value->child; item; item = item->next, i++) {
            char inner[512];
            snprintf(inner, sizeof inner, "%s[%d]", path, i);
            if (!check_value(item, element, fields, 0, values, inner, error, size)) {
                return 0;
            }
        }
        return 1;
    }
    case V_STRING_MAP:
        if (!cJSON_IsObject(value)) {
            snprintf(error, size, "%s: not an object", path);
            return 0;
        }
        for (const cJSON *member = value->child; member; member = member->next) {
            if (!cJSON_IsString(member)) {
                snprintf(error, size, "%s.%s: not a string", path, member->string);
                return 0;
            }
        }
        return 1;
    case V_ANY_OBJECT:
        if (!cJSON_IsObject(value)) {
            snprintf(error, size, "%s: not an object", path);
            return 0;
        }
        return 1;
    case V_ANY_ARRAY:
        if (!cJSON_IsArray(value)) {
            snprintf(error, size, "%s: not an array", path);
            return 0;
        }
        return 1;
    case V_ANY:
        return 1;
    }
    return 0;
}

/*
 * Parses a UTF-16 JSON document and checks it against `fields`. NULL `text` (or "" when `empty_ok`)
 * gives an empty object. On failure returns NULL with *result and `error` set.
 */
static cJSON *parse_document(const WCHAR *text, const struct field *fields, int empty_ok, const char *what, HRESULT *result,
                             char *error, size_t size) {
    if (!text) {
        if (empty_ok) {
            return cJSON_CreateObject();
        }
        *result = E_INVALIDARG;
        snprintf(error, size, "%s: missing", what);
        return NULL;
    }
    int bad = 0;
    char *utf8 = to_utf8(text, &bad);
    if (bad) {
        free(utf8);
        *result = E_INVALIDARG;
        snprintf(error, size, "%s: not valid UTF-16", what);
        return NULL;
    }
    if (!*utf8 && empty_ok) {
        free(utf8);
        return cJSON_CreateObject();
    }
    cJSON *document = cJSON_ParseWithOpts(utf8, NULL, 1);
    free(utf8);
    char inner[256];
    if (!document) {
        *result = HCS_E_INVALID_JSON;
        snprintf(error, size, "%s: not JSON", what);
        return NULL;
    }
    if (!check_object(document, fields, "", inner, sizeof inner)) {
        cJSON_Delete(document);
        *result = HCS_E_INVALID_JSON;
        snprintf(error, size, "%s: %s", what, inner);
        return NULL;
    }
    return document;
}

static const char *string_of(const cJSON *object, const char *name) {
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(value) ? value->valuestring : NULL;
}

static int true_of(const cJSON *object, const char *name) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, name));
}

static int is_directory(const char *path) {
    struct stat s;
    return path && stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

/* ---- operations ---------------------------------------------------------------------------- */

static void close_pipe_end(int fd) {
    if (fd >= 0) {
        close(fd);
    }
}

static void free_operation(struct operation *op) {
    if (op->has_info && !op->info_taken) {
        close_pipe_end((int)(intptr_t)op->info.StdInput);
        close_pipe_end((int)(intptr_t)op->info.StdOutput);
        close_pipe_end((int)(intptr_t)op->info.StdError);
    }
    if (op->system_handle) {
        unref(op->system_handle);
    }
    free(op->document);
    cJSON_Delete(op->arg);
    free(op->text);
    free(op);
}

EXPORT void *HcsCreateOperation(const void *context, HCS_OPERATION_COMPLETION callback) {
    struct operation *op = calloc(1, sizeof *op);
    if (!op) {
        errno = ENOMEM;
        return NULL;
    }
    lock_all();
    add_object(&op->o, K_OPERATION);
    op->o.context = (void *)context;
    op->o.callback = (void *)callback;
    op->type = OP_NONE;
    unlock_all();
    return (void *)op->o.handle;
}

EXPORT void HcsCloseOperation(void *operation) {
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    if (o) {
        close_object(o);
    }
    unlock_all();
}

EXPORT void *HcsGetOperationContext(void *operation) {
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    void *context = o ? o->context : NULL;
    unlock_all();
    return context;
}

EXPORT int HcsGetOperationType(void *operation) {
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    int type = o ? ((struct operation *)o)->type : OP_NONE;
    unlock_all();
    return type;
}

EXPORT HRESULT HcsSetOperationCallback(void *operation, const void *context, HCS_OPERATION_COMPLETION callback) {
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    HRESULT result = S_OK;
    if (!o) {
        result = E_HANDLE;
    } else if (!callback) {
        result = E_INVALIDARG;
    } else if (((struct operation *)o)->state != OP_CREATED) {
        result = HCS_E_OPERATION_ALREADY_STARTED;
    } else if (o->callback) {
        result = HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET;
    } else {
        o->callback = (void *)callback;
        o->context = (void *)context;
    }
    unlock_all();
    return result;
}

/* the result (and process information) of a completed operation; call locked */
static HRESULT take_result(struct operation *op, HCS_PROCESS_INFORMATION *info, WCHAR **document) {
    if (document) {
        *document = op->document ? give_document(op->document) : NULL;
    }
    if (info) {
        memset(info, 0, sizeof *info);
        if (op->has_info && op->result >= 0) {
            info->ProcessId = op->info.ProcessId;
            if (!op->info_taken) {
                info->StdInput = op->info.StdInput;
                info->StdOutput = op->info.StdOutput;
                info->StdError = op->info.StdError;
                HANDLE ends[] = {info->StdInput, info->StdOutput, info->StdError};
                for (int i = 0; i < 3; i++) {
                    int fd = (int)(intptr_t)ends[i];
                    if (fd >= 0 && fd < MAX_PIPES) {
                        pipe_owned[fd] = 1;
                        pipes_open++;
                    }
                }
                op->info_taken = 1;
            } else { /* handed over once; later answers name none */
                info->StdInput = info->StdOutput = info->StdError = (HANDLE)(intptr_t)-1;
            }
        }
    }
    return op->result;
}

static HRESULT wait_result(void *operation, DWORD timeout, HCS_PROCESS_INFORMATION *info, WCHAR **document) {
    if (document) {
        *document = NULL;
    }
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    if (!o) {
        unlock_all();
        return E_HANDLE;
    }
    struct operation *op = (struct operation *)o;
    HRESULT result;
    if (op->state == OP_CREATED) {
        result = HCS_E_OPERATION_NOT_STARTED;
    } else {
        struct timespec deadline;
        if (timeout != INFINITE) {
            deadline_after(&deadline, timeout);
        }
        o->refs++;
        int in_time = 1;
        while (op->state != OP_DONE && !o->closed && in_time) {
            in_time = wait_until(timeout == INFINITE ? NULL : &deadline);
        }
        if (o->closed) {
            result = E_HANDLE;
        } else if (op->state != OP_DONE) {
            result = HCS_E_OPERATION_TIMEOUT;
        } else {
            result = take_result(op, info, document);
        }
        unref(o);
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsWaitForOperationResult(void *operation, DWORD timeoutMs, WCHAR **resultDocument) {
    return wait_result(operation, timeoutMs, NULL, resultDocument);
}

EXPORT HRESULT HcsWaitForOperationResultAndProcessInfo(void *operation, DWORD timeoutMs, HCS_PROCESS_INFORMATION *processInformation,
                                                       WCHAR **resultDocument) {
    return wait_result(operation, timeoutMs, processInformation, resultDocument);
}

static HRESULT get_result(void *operation, HCS_PROCESS_INFORMATION *info, WCHAR **document) {
    if (document) {
        *document = NULL;
    }
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    HRESULT result;
    if (!o) {
        result = E_HANDLE;
    } else if (((struct operation *)o)->state == OP_CREATED) {
        result = HCS_E_OPERATION_NOT_STARTED;
    } else if (((struct operation *)o)->state == OP_RUNNING) {
        result = HCS_E_OPERATION_PENDING;
    } else {
        result = take_result((struct operation *)o, info, document);
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsGetOperationResult(void *operation, WCHAR **resultDocument) {
    return get_result(operation, NULL, resultDocument);
}

EXPORT HRESULT HcsGetOperationResultAndProcessInfo(void *operation, HCS_PROCESS_INFORMATION *processInformation, WCHAR **resultDocument) {
    return get_result(operation, processInformation, resultDocument);
}

EXPORT HRESULT HcsCancelOperation(void *operation) {
    lock_all();
    struct obj *o = find(operation, K_OPERATION);
    HRESULT result = S_OK;
    if (!o) {
        result = E_HANDLE;
    } else if (((struct operation *)o)->state == OP_CREATED) {
        result = HCS_E_OPERATION_NOT_STARTED;
    } else if (((struct operation *)o)->state == OP_RUNNING) {
        ((struct operation *)o)->cancelled = 1;
        pthread_cond_broadcast(&changed);
    }
    unlock_all();
    return result;
}

/* calls a callback of handle `o` unlocked; call locked */
static void call_back(struct obj *o, HCS_EVENT *event, void *operation) {
    if (!o->callback || o->closed) {
        return;
    }
    void *callback = o->callback;
    void *context = o->context;
    o->in_callback++;
    o->refs++;
    struct obj *outer = calling;
    calling = o;
    unlock_all();
    if (event) {
        ((HCS_EVENT_CALLBACK)callback)(event, context);
    } else {
        ((HCS_OPERATION_COMPLETION)callback)(operation, context);
    }
    lock_all();
    calling = outer;
    o->in_callback--;
    pthread_cond_broadcast(&changed);
    unref(o);
}

/* completes an operation (takes `document`) and calls its callback; call locked */
static void complete(struct operation *op, HRESULT result, char *document) {
    op->result = result;
    free(op->document);
    op->document = document;
    op->state = OP_DONE;
    pthread_cond_broadcast(&changed);
    if (op->o.callback) {
        call_back(&op->o, NULL, (void *)op->o.handle);
    } else if (op->system_handle && (((struct system_handle *)op->system_handle)->options & OPTION_ENABLE_OPERATION_CALLBACKS)) {
        HCS_EVENT event = {EVENT_OPERATION_CALLBACK, NULL, (void *)op->o.handle};
        call_back(op->system_handle, &event, NULL);
    }
}

typedef void (*work_fn)(struct operation *op); /* runs locked, ends by complete() */

struct job {
    struct operation *op;
    work_fn work;
};

static void *run_job(void *argument) {
    struct job *job = argument;
    lock_all();
    job->work(job->op);
    unref(&job->op->o);
    busy_threads--;
    pthread_cond_broadcast(&changed);
    unlock_all();
    free(job);
    return NULL;
}

static void start_thread(void *(*body)(void *), void *argument) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    busy_threads++;
    if (pthread_create(&thread, &attributes, body, argument) != 0) {
        abort(); /* a test machine out of threads: nothing sensible to emulate */
    }
    pthread_attr_destroy(&attributes);
}

/*
 * Binds operation `operation` to a call of `type`: E_HANDLE if unknown, ALREADY_STARTED if bound
 * before. On success *op is locked in, state RUNNING (not yet started). Call locked.
 */
static HRESULT bind_operation(void *operation, int type, struct obj *system_handle, struct operation **op) {
    struct obj *o = find(operation, K_OPERATION);
    if (!o) {
        return E_HANDLE;
    }
    *op = (struct operation *)o;
    if ((*op)->state != OP_CREATED) {
        return HCS_E_OPERATION_ALREADY_STARTED;
    }
    if (system_handle && o->callback && (((struct system_handle *)system_handle)->options & OPTION_ENABLE_OPERATION_CALLBACKS)) {
        return HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET;
    }
    (*op)->type = type;
    (*op)->state = OP_RUNNING;
    if (system_handle) {
        system_handle->refs++;
        (*op)->system_handle = system_handle;
    }
    return S_OK;
}

/* a failure found before the work: the call's answer and the operation's result; call locked */
static HRESULT fail(struct operation *op, HRESULT result, const char *message) {
    if (op && op->state == OP_RUNNING) {
        op->result = result;
        op->document = result_error(result, message);
        op->state = OP_DONE;
        pthread_cond_broadcast(&changed);
    }
    return result;
}

/* starts the work of a bound operation on a thread of its own; call locked */
static HRESULT submit(struct operation *op, work_fn work) {
    struct job *job = malloc(sizeof *job);
    job->op = op;
    job->work = work;
    op->o.refs++;
    start_thread(run_job, job);
    return S_OK;
}

/* ---- compute systems ----------------------------------------------------------------------- */

static struct system *system_named(const char *id) {
    for (struct system *s = systems; s; s = s->next) {
        if (!s->removed && strcmp(s->id, id) == 0) {
            return s;
        }
    }
    return NULL;
}

static struct proc_entry *system_tree(struct system *s, int *count);
static int read_stat(pid_t pid, struct proc_entry *e);
static struct proc_entry *proc_all(int *count);
static struct proc_entry *with_descendants(struct proc_entry *all, int n, char *member, int *count);

/* whether `pid` is one of the processes `s` spawned and has not told the end of yet */
static int spawned_unnotified(struct system *s, pid_t pid) {
    for (struct process *p = s->processes; p; p = p->next) {
        if (p->pid == pid && !p->notified) {
            return 1;
        }
    }
    return 0;
}

/*
 * Processes whose exit is not yet told, and what else still runs in the system's sessions (no
 * reaper tells that end): a system's exit comes after theirs.
 */
static int live_processes(struct system *s, int *untold) {
    int n = 0, others = 0;
    for (struct process *p = s->processes; p; p = p->next) {
        n += !p->notified;
    }
    struct proc_entry *tree = system_tree(s, &others);
    int orphans = 0;
    for (int i = 0; i < others; i++) {
        orphans += !spawned_unnotified(s, tree[i].pid);
    }
    free(tree);
    if (untold) {
        *untold = orphans;
    }
    return n + orphans;
}

/* `signal` to every process of the system: what it spawned, their groups, and all in their sessions */
static void signal_all(struct system *s, int signal) {
    for (struct process *p = s->processes; p; p = p->next) {
        if (!p->exited) {
            kill(-p->pid, signal);
        }
    }
    int n = 0;
    struct proc_entry *tree = system_tree(s, &n);
    for (int i = 0; i < n; i++) {
        kill(tree[i].pid, signal);
    }
    free(tree);
}

static void remove_system(struct system *s) {
    s->removed = 1;
    for (struct system **p = &systems; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
}

static char *system_exit_status(struct system *s) {
    return format("{\"Status\":0,\"ExitType\":\"%s\"}", s->exit_type);
}

static void *target_of(struct obj *o) {
    return o->kind == K_SYSTEM ? (void *)((struct system_handle *)o)->system : (void *)((struct process_handle *)o)->process;
}

/* `event` to every open handle of `target` with a callback, one after the other; call locked */
static void notify(enum kind kind, void *target, HCS_EVENT *event) {
    int n = 0;
    for (struct obj *o = objects; o; o = o->next) {
        n += o->kind == kind && target_of(o) == target && o->callback && !o->closed;
    }
    struct obj **handles = malloc((n + 1) * sizeof *handles);
    n = 0;
    for (struct obj *o = objects; o; o = o->next) {
        if (o->kind == kind && target_of(o) == target && o->callback && !o->closed) {
            o->refs++;
            o->told = 1;
            handles[n++] = o;
        }
    }
    for (int i = 0; i < n; i++) {
        call_back(handles[i], event, NULL);
        unref(handles[i]);
    }
    free(handles);
}

/* the system stopped: its exit event to every handle with a callback; call locked */
static void stopped(struct system *s, const char *exit_type) {
    s->state = SYS_STOPPED;
    s->exit_type = exit_type;
    pthread_cond_broadcast(&changed);
    char *status = system_exit_status(s);
    WCHAR *data = to_utf16(status);
    free(status);
    HCS_EVENT event = {EVENT_SYSTEM_EXITED, data, NULL};
    notify(K_SYSTEM, s, &event);
    free(data);
}

static char *process_status(struct process *p);

/* the exit event to one handle whose callback was set after the exit, on a thread of its own */
static void *tell_late(void *argument) {
    struct obj *o = argument;
    lock_all();
    char *text = o->kind == K_SYSTEM ? system_exit_status(((struct system_handle *)o)->system)
                                     : process_status(((struct process_handle *)o)->process);
    WCHAR *data = to_utf16(text);
    free(text);
    HCS_EVENT event = {o->kind == K_SYSTEM ? EVENT_SYSTEM_EXITED : EVENT_PROCESS_EXITED, data, NULL};
    call_back(o, &event, NULL);
    free(data);
    unref(o);
    busy_threads--;
    pthread_cond_broadcast(&changed);
    unlock_all();
    return NULL;
}

/*
 * A callback set once its system or process has exited still gets the exit event (so none is lost
 * between a create and the callback set after it); call locked.
 */
static void tell_if_over(struct obj *o, int over) {
    if (over && !o->told) {
        o->told = 1;
        o->refs++;
        start_thread(tell_late, o);
    }
}

/* ---- utility VMs ----------------------------------------------------------------------------- */

/*
 * A VirtualMachine compute system is a utility VM whose guest is hcsshim's Linux GCS, run for real
 * through gcs-jail (env HATCHWAY_GCS_JAIL and HATCHWAY_GCS). On Windows the host listens on hvsock
 * (VmId = the VM's RuntimeId, ServiceId = the GCS's) and the GCS dials it from inside the VM; here
 * the host listens on the Unix socket <dir>/<VmId>_<ServiceId> (dir: env HATCHWAY_HVSOCK_DIR, else
 * /tmp/hatchway-hvsock), the way Firecracker and Cloud Hypervisor map vsock to Unix sockets, and
 * the VM's start connects to it and hands that connection to the jailed GCS as its stdin and
 * stdout (-use-inouterr). The VM runs while the jail runs: its shut down and terminate end the jail
 * (SIGTERM: the jail ends the GCS and everything under it); a jail that ends by itself is the VM's
 * unexpected exit. Boot files are not read: nothing boots here but the GCS.
 */
#define GCS_SERVICE_ID "40000000-facb-11e6-bd58-64006a7986d3" /* LinuxGcsVsockPort 0x40000000, go-winio's template */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

static char *new_guid(void) {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != sizeof b) {
        memset(b, 0x5a, sizeof b);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
                  b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* what a utility VM needs beyond the schema: one boot source, memory, processors, hvsock */
static int check_vm(const cJSON *vm, char *error, size_t size, HRESULT *result) {
    const cJSON *chipset = cJSON_GetObjectItemCaseSensitive(vm, "Chipset");
    const cJSON *topology = cJSON_GetObjectItemCaseSensitive(vm, "ComputeTopology");
    const cJSON *memory = cJSON_GetObjectItemCaseSensitive(topology, "Memory");
    const cJSON *processor = cJSON_GetObjectItemCaseSensitive(topology, "Processor");
    const cJSON *devices = cJSON_GetObjectItemCaseSensitive(vm, "Devices");
    const cJSON *direct = cJSON_GetObjectItemCaseSensitive(chipset, "LinuxKernelDirect");
    const cJSON *uefi = cJSON_GetObjectItemCaseSensitive(chipset, "Uefi");
    const cJSON *size_mb = cJSON_GetObjectItemCaseSensitive(memory, "SizeInMB");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(processor, "Count");
    *result = HCS_E_INVALID_JSON;
    if (!direct == !uefi) {
        snprintf(error, size, "VirtualMachine.Chipset: exactly one of LinuxKernelDirect and Uefi is needed");
    } else if (direct && (!string_of(direct, "KernelFilePath") || !*string_of(direct, "KernelFilePath"))) {
        snprintf(error, size, "VirtualMachine.Chipset.LinuxKernelDirect.KernelFilePath: missing");
    } else if (uefi && !cJSON_GetObjectItemCaseSensitive(uefi, "BootThis")) {
        snprintf(error, size, "VirtualMachine.Chipset.Uefi.BootThis: missing");
    } else if (!size_mb || size_mb->valuedouble < 1) {
        snprintf(error, size, "VirtualMachine.ComputeTopology.Memory.SizeInMB: missing or 0");
    } else if (!count || count->valueint < 1) {
        snprintf(error, size, "VirtualMachine.ComputeTopology.Processor.Count: missing or below 1");
    } else if (!cJSON_GetObjectItemCaseSensitive(devices, "HvSocket")) {
        *result = E_INVALIDARG;
        snprintf(error, size, "VirtualMachine.Devices.HvSocket: missing, so the guest could not reach the host");
    } else if (cJSON_GetObjectItemCaseSensitive(vm, "GuestConnection")) {
        *result = E_NOTIMPL;
        snprintf(error, size, "VirtualMachine.GuestConnection: HCS's own connection to the guest is not emulated; the host listens for the GCS");
    } else {
        *result = S_OK;
        return 1;
    }
    return 0;
}

/* where the host listens for the service `service` of VM `vm_id`: <dir>/<VmId>_<ServiceId> */
static int hvsock_address(const char *vm_id, const char *service, struct sockaddr_un *address) {
    const char *dir = getenv("HATCHWAY_HVSOCK_DIR");
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    int n = snprintf(address->sun_path, sizeof address->sun_path, "%s/%s_%s", dir && *dir ? dir : "/tmp/hatchway-hvsock", vm_id, service);
    return n > 0 && (size_t)n < sizeof address->sun_path;
}

/* waits for the jail (the VM's guest) to end, then the VM has stopped: unexpectedly unless asked to */
static void *reap_guest(void *argument) {
    struct system *s = argument;
    lock_all();
    pid_t guest = s->guest;
    unlock_all();
    int status;
    while (waitpid(guest, &status, 0) < 0 && errno == EINTR) {
    }
    lock_all();
    s->guest = 0;
    processes_alive--;
    struct sockaddr_un address;
    if (!getenv("HATCHWAY_GCS_KEEP_LOG") && hvsock_address(s->runtime_id, GCS_SERVICE_ID, &address)) {
        char *log = format("%s.gcs.log", address.sun_path);
        unlink(log); /* HATCHWAY_GCS_KEEP_LOG keeps it, for a look at what the GCS said */
        free(log);
    }
    if (s->state != SYS_STOPPED) {
        stopped(s, s->forced ? "ForcedExit" : s->stopping ? "GracefulExit" : "UnexpectedExit");
    }
    busy_threads--;
    pthread_cond_broadcast(&changed);
    unlock_all();
    return NULL;
}

/* the GCS: $HATCHWAY_GCS, else the first shared/gcs/gcs walking up from the working directory (GuestAgentFixture's rule) */
static char *find_gcs(void) {
    const char *named = getenv("HATCHWAY_GCS");
    if (named && *named) {
        return strdup(named);
    }
    char dir[PATH_MAX];
    if (!getcwd(dir, sizeof dir)) {
        return NULL;
    }
    for (;;) {
        char *candidate = format("%s/shared/gcs/gcs", strcmp(dir, "/") == 0 ? "" : dir);
        if (candidate && access(candidate, X_OK) == 0) {
            return candidate;
        }
        free(candidate);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            return NULL;
        }
        *slash = 0;
    }
}

/* boots the VM: its guest, the jailed GCS, connected to the host's listener; call locked */
static void vm_start(struct operation *op) {
    struct system *s = op->system;
    const char *jail = getenv("HATCHWAY_GCS_JAIL");
    char *gcs = find_gcs();
    struct sockaddr_un address;
    if (!jail || !*jail || access(jail, X_OK) != 0 || !gcs) {
        free(gcs);
        complete(op, E_FILE_NOT_FOUND, result_error(E_FILE_NOT_FOUND, "the stand-in's guest: HATCHWAY_GCS_JAIL must name gcs-jail,"
                                                                      " and HATCHWAY_GCS or a shared/gcs/gcs above the working directory the GCS"));
        return;
    }
    if (!hvsock_address(s->runtime_id, GCS_SERVICE_ID, &address)) {
        free(gcs);
        complete(op, E_INVALIDARG, result_error(E_INVALIDARG, "HATCHWAY_HVSOCK_DIR: too long for a socket path"));
        return;
    }
    s->state = SYS_RUNNING;
    s->started_wall = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &s->started);
    int connection = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection < 0 || connect(connection, (struct sockaddr *)&address, sizeof address) != 0) {
        /* nobody listens: the GCS finds no host and ends, and so does the VM */
        if (connection >= 0) {
            close(connection);
        }
        free(gcs);
        complete(op, S_OK, NULL);
        stopped(s, "UnexpectedExit");
        return;
    }
    char *log = format("%s.gcs.log", address.sun_path);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, connection, 0);
    posix_spawn_file_actions_adddup2(&actions, connection, 1);
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    char *argv[] = {(char *)jail, gcs, "-v4", "-use-inouterr", "-disable-time-sync", NULL};
    /* the caller's environment, and the marker HATCHWAY_UVM_GUEST=1 by which tests find what is left of a VM */
    extern char **environ;
    int count = 0;
    while (environ[count]) {
        count++;
    }
    char **environment = calloc((size_t)count + 2, sizeof *environment);
    memcpy(environment, environ, (size_t)count * sizeof *environment);
    environment[count] = strdup("HATCHWAY_UVM_GUEST=1");
    pid_t pid;
    int failed = posix_spawn(&pid, jail, &actions, &attributes, argv, environment);
    free(environment[count]);
    free(environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(connection);
    free(log);
    free(gcs);
    if (failed) {
        s->state = SYS_CREATED;
        complete(op, E_ACCESSDENIED, result_error(E_ACCESSDENIED, "the stand-in could not run gcs-jail"));
        return;
    }
    s->guest = pid;
    processes_alive++;
    start_thread(reap_guest, s);
    complete(op, S_OK, NULL);
}

/* shut down or terminate: the jail ends the GCS and all under it; waits for that, or a cancel */
static void vm_stop(struct operation *op) {
    struct system *s = op->system;
    s->stopping++;
    s->forced |= op->type == OP_TERMINATE;
    if (s->guest) {
        kill(s->guest, SIGTERM);
    }
    while (s->state != SYS_STOPPED && s->guest && !op->cancelled) {
        pthread_cond_wait(&changed, &lock);
    }
    s->stopping--;
    if (s->state == SYS_STOPPED) {
        complete(op, S_OK, NULL);
    } else if (op->cancelled) {
        complete(op, E_CANCELLED, result_error(E_CANCELLED, "the operation was cancelled"));
    } else {
        stopped(s, s->forced ? "ForcedExit" : "GracefulExit"); /* started without a guest */
        complete(op, S_OK, NULL);
    }
}

/* every process of the VM's guest: the jail and its descendants, zombies left out */
static struct proc_entry *vm_tree(struct system *s, int *count) {
    int n = 0;
    struct proc_entry *all = proc_all(&n);
    char *member = calloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++) {
        member[i] = s->guest && all[i].pid == s->guest && all[i].state != 'Z';
    }
    return with_descendants(all, n, member, count);
}

/* the VM's Memory property (MemoryInformationForVm): all of its memory assigned, in 4 KiB pages */
static cJSON *vm_memory(struct system *s) {
    cJSON *memory = cJSON_CreateObject();
    cJSON_AddNumberToObject(memory, "VirtualNodeCount", 1);
    cJSON *vm = cJSON_AddObjectToObject(memory, "VirtualMachineMemory");
    cJSON_AddNumberToObject(vm, "AssignedMemory", (double)(s->memory_mb * 256));
    cJSON_AddNumberToObject(vm, "ReservedMemory", 0);
    return memory;
}

static const char *const PLAN9_PATH = "VirtualMachine/Devices/Plan9/Shares";

/* a Plan9 share added to or removed from the VM (the host half of hcsshim's AddPlan9); call locked */
static void vm_modify(struct operation *op) {
    const char *path = string_of(op->arg, "ResourcePath");
    const char *request = string_of(op->arg, "RequestType");
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(op->arg, "Settings");
    char error[640];
    if (op->system->state != SYS_RUNNING) {
        complete(op, HCS_E_INVALID_STATE, result_error(HCS_E_INVALID_STATE, "the utility VM is not running"));
    } else if (!path || strcmp(path, PLAN9_PATH) != 0) {
        complete(op, E_NOTIMPL, result_error(E_NOTIMPL, "the stand-in modifies a utility VM's VirtualMachine/Devices/Plan9/Shares only"));
    } else if (cJSON_GetObjectItemCaseSensitive(op->arg, "GuestRequest")) {
        complete(op, E_NOTIMPL, result_error(E_NOTIMPL, "GuestRequest: HCS has no connection to this guest; the host sends the guest half"));
    } else if (!check_value(settings, V_OBJECT, PLAN9_SHARE, 0, NULL, "Settings", error, sizeof error)) {
        complete(op, HCS_E_INVALID_JSON, result_error(HCS_E_INVALID_JSON, error));
    } else if (!string_of(settings, "Name") || (request && strcmp(request, "Remove") != 0 && !is_directory(string_of(settings, "Path")))) {
        complete(op, E_PATH_NOT_FOUND, result_error(E_PATH_NOT_FOUND, "Settings: a Name and a Path that is a directory are needed"));
    } else {
        complete(op, S_OK, NULL); /* the share's server would listen on hvsock: the guest side cannot reach it here */
    }
}

static int is_empty_options(const WCHAR *options) {
    return !options || !options[0] || (options[0] == '{' && options[1] == '}' && !options[2]);
}

static void create_work(struct operation *op) {
    complete(op, S_OK, NULL);
}

EXPORT HRESULT HcsCreateComputeSystem(const WCHAR *id, const WCHAR *configuration, void *operation, const void *securityDescriptor,
                                      void **computeSystem) {
    if (computeSystem) {
        *computeSystem = NULL;
    }
    lock_all();
    struct operation *op = NULL;
    HRESULT result = bind_operation(operation, OP_CREATE, NULL, &op);
    if (result < 0) {
        unlock_all();
        return result;
    }
    char error[640];
    int bad = 0;
    char *name = to_utf8(id, &bad);
    cJSON *document = NULL;
    if (!computeSystem || securityDescriptor) {
        result = fail(op, E_INVALIDARG, "computeSystem is required and securityDescriptor must be NULL");
    } else if (!name || !*name || bad) {
        result = fail(op, E_INVALIDARG, "the id is empty or not valid UTF-16");
    } else if (system_named(name)) {
        result = fail(op, HCS_E_SYSTEM_ALREADY_EXISTS, "a compute system with this id exists");
    } else if (!(document = parse_document(configuration, COMPUTE_SYSTEM, 0, "ComputeSystem", &result, error, sizeof error))) {
        result = fail(op, result, error);
    } else {
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(document, "SchemaVersion");
        const cJSON *container = cJSON_GetObjectItemCaseSensitive(document, "Container");
        const cJSON *storage = cJSON_GetObjectItemCaseSensitive(container, "Storage");
        const cJSON *major = cJSON_GetObjectItemCaseSensitive(version, "Major");
        const cJSON *minor = cJSON_GetObjectItemCaseSensitive(version, "Minor");
        if (!cJSON_IsNumber(major) || major->valueint != 2 || !cJSON_IsNumber(minor) || minor->valueint < 0 || minor->valueint > 1) {
            result = fail(op, HCS_E_INVALID_JSON, "ComputeSystem.SchemaVersion: must be {\"Major\":2,\"Minor\":0..1}");
        } else if (string_of(document, "HostingSystemId") || cJSON_GetObjectItemCaseSensitive(document, "HostedSystem")) {
            result = fail(op, E_NOTIMPL, "the stand-in emulates process-isolated containers and utility VMs only");
        } else if (cJSON_GetObjectItemCaseSensitive(document, "VirtualMachine")) {
            if (container) {
                result = fail(op, HCS_E_INVALID_JSON, "ComputeSystem: Container and VirtualMachine are mutually exclusive");
            } else if (!check_vm(cJSON_GetObjectItemCaseSensitive(document, "VirtualMachine"), error, sizeof error, &result)) {
                result = fail(op, result, error);
            }
        } else if (!container) {
            result = fail(op, E_INVALIDARG, "ComputeSystem.Container: missing");
        } else {
            const cJSON *layer;
            cJSON_ArrayForEach(layer, cJSON_GetObjectItemCaseSensitive(storage, "Layers")) {
                if (!is_directory(string_of(layer, "Path"))) {
                    snprintf(error, sizeof error, "ComputeSystem.Container.Storage.Layers: no such directory: %s",
                             string_of(layer, "Path") ? string_of(layer, "Path") : "(no Path)");
                    result = fail(op, E_PATH_NOT_FOUND, error);
                    break;
                }
            }
            const cJSON *mapped;
            cJSON_ArrayForEach(mapped, cJSON_GetObjectItemCaseSensitive(container, "MappedDirectories")) {
                if (result >= 0 && !is_directory(string_of(mapped, "HostPath"))) {
                    result = fail(op, E_PATH_NOT_FOUND, "ComputeSystem.Container.MappedDirectories: a HostPath is no directory");
                }
            }
            if (result >= 0 && string_of(storage, "Path") && !is_directory(string_of(storage, "Path"))) {
                result = fail(op, E_PATH_NOT_FOUND, "ComputeSystem.Container.Storage.Path: no such directory");
            }
        }
    }
    if (result >= 0) {
        struct system *s = calloc(1, sizeof *s);
        s->id = name;
        name = NULL;
        s->owner = strdup(string_of(document, "Owner") ? string_of(document, "Owner") : "");
        s->terminate_on_last_close = true_of(document, "ShouldTerminateOnLastHandleClosed");
        const char *root = string_of(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(document, "Container"), "Storage"), "Path");
        s->root = root ? strdup(root) : NULL;
        const cJSON *vm = cJSON_GetObjectItemCaseSensitive(document, "VirtualMachine");
        if (vm) {
            const cJSON *topology = cJSON_GetObjectItemCaseSensitive(vm, "ComputeTopology");
            s->vm = 1;
            s->runtime_id = new_guid();
            s->memory_mb = (uint64_t)cJSON_GetNumberValue(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(topology, "Memory"), "SizeInMB"));
            s->processors = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(topology, "Processor"), "Count")->valueint;
        }
        s->state = SYS_CREATED;
        s->handles = 1;
        s->next = systems;
        systems = s;
        struct system_handle *h = calloc(1, sizeof *h);
        h->system = s;
        add_object(&h->o, K_SYSTEM);
        *computeSystem = (void *)h->o.handle;
        op->system = s;
        result = submit(op, create_work);
    }
    cJSON_Delete(document);
    free(name);
    unlock_all();
    return result;
}

EXPORT HRESULT HcsOpenComputeSystem(const WCHAR *id, DWORD requestedAccess, void **computeSystem) {
    if (!computeSystem) {
        return E_INVALIDARG;
    }
    *computeSystem = NULL;
    if (requestedAccess != GENERIC_ALL) {
        return E_INVALIDARG;
    }
    int bad = 0;
    char *name = to_utf8(id, &bad);
    if (!name || bad) {
        free(name);
        return E_INVALIDARG;
    }
    lock_all();
    struct system *s = system_named(name);
    free(name);
    HRESULT result = S_OK;
    if (!s) {
        result = HCS_E_SYSTEM_NOT_FOUND;
    } else {
        struct system_handle *h = calloc(1, sizeof *h);
        h->system = s;
        s->handles++;
        add_object(&h->o, K_SYSTEM);
        *computeSystem = (void *)h->o.handle;
    }
    unlock_all();
    return result;
}

EXPORT void HcsCloseComputeSystem(void *computeSystem) {
    lock_all();
    struct obj *o = find(computeSystem, K_SYSTEM);
    if (o) {
        struct system *s = ((struct system_handle *)o)->system;
        close_object(o);
        if (--s->handles == 0 && !s->removed) {
            if (s->state != SYS_STOPPED && s->terminate_on_last_close) {
                signal_all(s, SIGKILL); /* the reapers finish; nobody is left to tell */
                if (s->guest) {
                    kill(s->guest, SIGTERM); /* the jail ends the GCS and all under it */
                }
                s->state = SYS_STOPPED;
                s->exit_type = "ForcedExit";
            }
            if (s->state == SYS_STOPPED) {
                remove_system(s);
            }
        }
    }
    unlock_all();
}

static struct system_handle *find_system(void *computeSystem) {
    return (struct system_handle *)find(computeSystem, K_SYSTEM);
}

static void start_work(struct operation *op) {
    struct system *s = op->system;
    if (s->state == SYS_STOPPED || s->stopping) {
        complete(op, HCS_E_SYSTEM_ALREADY_STOPPED, result_error(HCS_E_SYSTEM_ALREADY_STOPPED, "the compute system stopped"));
    } else if (s->state == SYS_RUNNING) {
        complete(op, HCS_E_INVALID_STATE, result_error(HCS_E_INVALID_STATE, "the compute system is running"));
    } else if (s->vm) {
        vm_start(op);
    } else {
        s->state = SYS_RUNNING;
        s->started_wall = time(NULL);
        clock_gettime(CLOCK_MONOTONIC, &s->started);
        complete(op, S_OK, NULL);
    }
}

/* shut down (SIGTERM) or terminate (SIGKILL): waits for every process, or a cancel */
static void stop_work(struct operation *op) {
    struct system *s = op->system;
    int terminate = op->type == OP_TERMINATE;
    if (s->state == SYS_STOPPED) {
        complete(op, HCS_E_SYSTEM_ALREADY_STOPPED, result_error(HCS_E_SYSTEM_ALREADY_STOPPED, "the compute system stopped"));
        return;
    }
    if (s->vm) {
        vm_stop(op);
        return;
    }
    s->stopping++;
    s->forced |= terminate;
    signal_all(s, terminate ? SIGKILL : SIGTERM);
    int orphans = 0;
    while (live_processes(s, &orphans) && !op->cancelled && s->state != SYS_STOPPED) {
        if (orphans) {
            /* a process of the system it did not spawn: no reaper wakes us at its end, so look again */
            struct timespec later;
            clock_gettime(CLOCK_MONOTONIC, &later);
            later.tv_nsec += 20 * 1000000;
            if (later.tv_nsec >= 1000000000) {
                later.tv_sec++;
                later.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&changed, &lock, &later);
        } else {
            pthread_cond_wait(&changed, &lock);
        }
    }
    s->stopping--;
    if (s->state == SYS_STOPPED) {
        complete(op, S_OK, NULL);
    } else if (op->cancelled && live_processes(s, NULL)) {
        complete(op, E_CANCELLED, result_error(E_CANCELLED, "the operation was cancelled"));
    } else {
        stopped(s, s->forced ? "ForcedExit" : "GracefulExit");
        complete(op, S_OK, NULL);
    }
}

static HRESULT system_call(void *computeSystem, void *operation, int type, const WCHAR *options, work_fn work) {
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    struct operation *op = NULL;
    HRESULT result = h ? bind_operation(operation, type, &h->o, &op) : E_HANDLE;
    if (result >= 0) {
        char error[640];
        cJSON *document = is_empty_options(options) ? NULL
                                                    : parse_document(options, (const struct field[]){END}, 1, "options", &result, error, sizeof error);
        if (!is_empty_options(options) && !document) {
            result = fail(op, result, error);
        } else {
            cJSON_Delete(document);
            op->system = h->system;
            result = submit(op, work);
        }
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsStartComputeSystem(void *computeSystem, void *operation, const WCHAR *options) {
    return system_call(computeSystem, operation, OP_START, options, start_work);
}

EXPORT HRESULT HcsShutDownComputeSystem(void *computeSystem, void *operation, const WCHAR *options) {
    return system_call(computeSystem, operation, OP_SHUTDOWN, options, stop_work);
}

EXPORT HRESULT HcsTerminateComputeSystem(void *computeSystem, void *operation, const WCHAR *options) {
    return system_call(computeSystem, operation, OP_TERMINATE, options, stop_work);
}

EXPORT HRESULT HcsWaitForComputeSystemExit(void *computeSystem, DWORD timeoutMs, WCHAR **result) {
    if (result) {
        *result = NULL;
    }
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    if (!h) {
        unlock_all();
        return E_HANDLE;
    }
    struct timespec deadline;
    if (timeoutMs != INFINITE) {
        deadline_after(&deadline, timeoutMs);
    }
    h->o.refs++;
    int in_time = 1;
    while (h->system->state != SYS_STOPPED && !h->o.closed && in_time) {
        in_time = wait_until(timeoutMs == INFINITE ? NULL : &deadline);
    }
    HRESULT answer = S_OK;
    if (h->o.closed) {
        answer = E_HANDLE;
    } else if (h->system->state != SYS_STOPPED) {
        answer = HCS_E_OPERATION_TIMEOUT;
    } else if (result) {
        char *status = system_exit_status(h->system);
        *result = give_document(status);
        free(status);
    }
    unref(&h->o);
    unlock_all();
    return answer;
}

EXPORT HRESULT HcsSetComputeSystemCallback(void *computeSystem, int callbackOptions, const void *context, HCS_EVENT_CALLBACK callback) {
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    HRESULT result = S_OK;
    if (!h) {
        result = E_HANDLE;
    } else if (!callback || (callbackOptions & ~OPTIONS_ALL)) {
        result = E_INVALIDARG;
    } else if (h->o.callback) {
        result = HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET;
    } else {
        h->o.callback = (void *)callback;
        h->o.context = (void *)context;
        h->options = callbackOptions;
        tell_if_over(&h->o, h->system->state == SYS_STOPPED);
    }
    unlock_all();
    return result;
}

/* ---- processes ----------------------------------------------------------------------------- */

/*
 * Splits a command line as Windows' CommandLineToArgvW: the program name runs to the first space
 * or tab, or is quoted with no escapes; each later argument runs to unquoted whitespace, 2n
 * backslashes before a quote give n backslashes and the quote toggles quoting, 2n+1 give n and a
 * literal quote, other backslashes are literal, and a third quote in a row gives a literal quote.
 */
static char **split_command_line(const char *line) {
    size_t length = strlen(line);
    char **argv = calloc(length + 2, sizeof *argv);
    int n = 0;
    const char *s = line;
    char *arg = malloc(length + 1);
    size_t k = 0;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            arg[k++] = *s;
        }
        if (*s) {
            s++;
        }
    } else {
        while (*s && *s != ' ' && *s != '\t') {
            arg[k++] = *s++;
        }
    }
    arg[k] = 0;
    argv[n++] = arg;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    while (*s) {
        arg = malloc(length + 1);
        k = 0;
        int quotes = 0;
        size_t backslashes = 0;
        while (*s && !((*s == ' ' || *s == '\t') && quotes == 0)) {
            if (*s == '\\') {
                arg[k++] = *s++;
                backslashes++;
            } else if (*s == '"') {
                if (backslashes % 2 == 0) {
                    k -= backslashes / 2;
                    quotes++;
                } else {
                    k -= backslashes / 2 + 1;
                    arg[k++] = '"';
                }
                backslashes = 0;
                for (s++; *s == '"'; s++) {
                    if (++quotes == 3) {
                        arg[k++] = '"';
                        quotes = 0;
                    }
                }
                if (quotes == 2) {
                    quotes = 0;
                }
            } else {
                arg[k++] = *s++;
                backslashes = 0;
            }
        }
        arg[k] = 0;
        argv[n++] = arg;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
    }
    return argv;
}

static void free_strings(char **strings) {
    for (char **s = strings; s && *s; s++) {
        free(*s);
    }
    free(strings);
}

/* `program` looked up in `path` (the process's own PATH) unless it names a file; NULL if none */
static char *find_program(const char *program, const char *path) {
    if (strchr(program, '/')) {
        return access(program, X_OK) == 0 ? strdup(program) : NULL;
    }
    const char *dir = path;
    while (dir && *program) {
        const char *end = strchr(dir, ':');
        size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
        char *candidate = format("%.*s/%s", (int)dlen, dlen ? dir : ".", program);
        struct stat st;
        if (candidate && stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) {
            return candidate;
        }
        free(candidate);
        dir = end ? end + 1 : NULL;
    }
    return NULL;
}

struct relay {
    struct process *process;
    int from, to, wake;
};

/* write(2) without SIGPIPE: EPIPE instead, the signal taken back if it came */
static ssize_t write_quietly(int fd, const void *data, size_t size) {
    sigset_t pipe_signal, before;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
    ssize_t n = write(fd, data, size);
    int saved = errno;
    if (n < 0 && errno == EPIPE) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_signal, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    errno = saved;
    return n;
}

/*
 * stdin: the caller's pipe to the process's, until either end closes, or CloseHandle {StdIn} or the
 * exit (then what the caller wrote before is still passed on, as far as the process takes it).
 */
static void *relay_stdin(void *argument) {
    struct relay *r = argument;
    char buffer[16384];
    size_t have = 0, offset = 0;
    int closing = 0;
    for (;;) {
        if (closing && !have) {
            struct pollfd written = {r->from, POLLIN, 0};
            ssize_t n = poll(&written, 1, 0) == 1 && (written.revents & POLLIN) ? read(r->from, buffer, sizeof buffer) : 0;
            if (n <= 0) {
                break;
            }
            have = (size_t)n;
            offset = 0;
        }
        struct pollfd fds[2] = {{r->wake, closing ? 0 : POLLIN, 0}, {have ? r->to : r->from, have ? POLLOUT : POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[0].revents & POLLIN) {
            closing = 1;
            continue;
        }
        if (!have) {
            ssize_t n = read(r->from, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            have = (size_t)n;
            offset = 0;
        } else {
            ssize_t n = write_quietly(r->to, buffer + offset, have - offset);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) {
                    continue;
                }
                break;
            }
            offset += (size_t)n;
            if (offset == have) {
                have = 0;
            }
        }
    }
    lock_all();
    r->process->stdin_wake = -1;
    close(r->wake);
    close(r->from);
    close(r->to);
    busy_threads--;
    pthread_cond_broadcast(&changed);
    unlock_all();
    free(r);
    return NULL;
}

static char *process_status(struct process *p) {
    return format("{\"ProcessId\":%d,\"Exited\":%s,\"ExitCode\":%d,\"LastWaitResult\":0}", (int)p->pid, p->exited ? "true" : "false",
                  p->exited ? p->exit_code : 0);
}

static uint64_t ticks_to_100ns(uint64_t ticks) {
    static long hz;
    if (!hz) {
        hz = sysconf(_SC_CLK_TCK);
    }
    return ticks * (10000000 / (uint64_t)hz);
}

static uint64_t timeval_to_100ns(struct timeval t) {
    return (uint64_t)t.tv_sec * 10000000 + (uint64_t)t.tv_usec * 10;
}

/* waits for the exit (no poll loop: wait4 blocks), then tells the process's handles */
static void *reap(void *argument) {
    struct process *p = argument;
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    siginfo_t info;
    /* waits without reaping: until `exited` is set under the lock the pid (and its group) stays
       the zombie's, so a signal sent meanwhile reaches no other process */
    while (waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    lock_all();
    pid_t waited = wait4(p->pid, &status, WNOHANG, &usage);
    p->exited = 1;
    p->exit_code = waited < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    processes_alive--;
    struct system *s = p->system;
    s->exited_user_100ns += timeval_to_100ns(usage.ru_utime);
    s->exited_kernel_100ns += timeval_to_100ns(usage.ru_stime);
    s->exited_read_blocks += (uint64_t)usage.ru_inblock;
    s->exited_write_blocks += (uint64_t)usage.ru_oublock;
    if (p->stdin_wake >= 0) {
        uint64_t one = 1;
        if (write(p->stdin_wake, &one, sizeof one) < 0) {
            /* the relay ends anyway when the process's end of the pipe is gone */
        }
    }
    if (p->console >= 0) {
        close(p->console);
        p->console = -1;
    }
    pthread_cond_broadcast(&changed);
    char *text = process_status(p);
    WCHAR *data = to_utf16(text);
    free(text);
    HCS_EVENT event = {EVENT_PROCESS_EXITED, data, NULL};
    notify(K_PROCESS, p, &event);
    free(data);
    p->notified = 1;
    busy_threads--;
    pthread_cond_broadcast(&changed);
    unlock_all();
    return NULL;
}

static void close_all(int *fds, int n) {
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

/*
 * Starts the process `parameters` describe in system `s`; fills `info` with the caller's pipe ends.
 * Call locked.
 */
static HRESULT spawn(struct system *s, const cJSON *parameters, HCS_PROCESS_INFORMATION *info, struct process **out, char *error,
                     size_t size) {
    const char *command_line = string_of(parameters, "CommandLine");
    if (cJSON_GetObjectItemCaseSensitive(parameters, "CommandArgs")) {
        snprintf(error, size, "ProcessParameters.CommandArgs: only for Linux guests");
        return E_INVALIDARG;
    }
    if (!command_line || !*command_line) {
        snprintf(error, size, "ProcessParameters.CommandLine: missing");
        return E_INVALIDARG;
    }
    int console = true_of(parameters, "EmulateConsole");
    const cJSON *console_size = cJSON_GetObjectItemCaseSensitive(parameters, "ConsoleSize");
    if (console_size && cJSON_GetArraySize(console_size) != 2) {
        snprintf(error, size, "ProcessParameters.ConsoleSize: must be [height, width]");
        return E_INVALIDARG;
    }
    /* the environment: PATH unless given, then the given variables */
    const cJSON *environment = cJSON_GetObjectItemCaseSensitive(parameters, "Environment");
    int count = cJSON_GetArraySize(environment);
    char **envp = calloc((size_t)count + 2, sizeof *envp);
    int e = 0;
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    const cJSON *variable;
    cJSON_ArrayForEach(variable, environment) {
        if (strcmp(variable->string, "PATH") == 0) {
            path = variable->valuestring;
        }
        envp[e++] = format("%s=%s", variable->string, variable->valuestring);
    }
    if (!cJSON_GetObjectItemCaseSensitive(environment, "PATH")) {
        envp[e++] = format("PATH=%s", path);
    }
    char **argv = split_command_line(command_line);
    const char *application = string_of(parameters, "ApplicationName");
    char *program = find_program(application && *application ? application : argv[0], path);
    const char *cwd = string_of(parameters, "WorkingDirectory");
    cwd = cwd && *cwd ? cwd : s->root ? s->root : "/";
    HRESULT result = S_OK;
    /* ends: 0 child stdin, 1 caller stdin, 2 caller stdout, 3 child stdout, 4 caller stderr, 5 child stderr,
       6 relay source, 7 relay target, 8 pty master */
    int ends[9] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
    char slave[128] = "";
    if (!program) {
        snprintf(error, size, "ProcessParameters.CommandLine: no program %s", argv[0]);
        result = E_FILE_NOT_FOUND;
    } else if (!is_directory(cwd)) {
        snprintf(error, size, "ProcessParameters.WorkingDirectory: no directory %s", cwd);
        result = E_DIRECTORY;
    } else if (console) {
        ends[8] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (ends[8] < 0 || grantpt(ends[8]) || unlockpt(ends[8]) || ptsname_r(ends[8], slave, sizeof slave)) {
            snprintf(error, size, "no pseudo-terminal: %s", strerror(errno));
            result = E_OUTOFMEMORY;
        } else {
            struct winsize window = {24, 80, 0, 0};
            if (console_size) {
                window.ws_row = (unsigned short)cJSON_GetArrayItem(console_size, 0)->valueint;
                window.ws_col = (unsigned short)cJSON_GetArrayItem(console_size, 1)->valueint;
            }
            ioctl(ends[8], TIOCSWINSZ, &window);
            if (true_of(parameters, "CreateStdInPipe")) {
                ends[1] = fcntl(ends[8], F_DUPFD_CLOEXEC, 0);
            }
            if (true_of(parameters, "CreateStdOutPipe")) {
                ends[2] = fcntl(ends[8], F_DUPFD_CLOEXEC, 0);
            }
        }
    } else {
        int fds[2];
        if (true_of(parameters, "CreateStdInPipe")) {
            if (pipe2(fds, O_CLOEXEC) == 0) {
                ends[6] = fds[0];
                ends[1] = fds[1];
            }
            if (pipe2(fds, O_CLOEXEC) == 0) {
                ends[0] = fds[0];
                ends[7] = fds[1];
                fcntl(ends[7], F_SETFL, O_NONBLOCK);
            }
        }
        if (true_of(parameters, "CreateStdOutPipe") && pipe2(fds, O_CLOEXEC) == 0) {
            ends[2] = fds[0];
            ends[3] = fds[1];
        }
        if (true_of(parameters, "CreateStdErrPipe") && pipe2(fds, O_CLOEXEC) == 0) {
            ends[4] = fds[0];
            ends[5] = fds[1];
        }
    }
    pid_t pid = -1;
    if (result >= 0) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        if (console) {
            posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0); /* after setsid: the controlling terminal */
            posix_spawn_file_actions_adddup2(&actions, 0, 1);
            posix_spawn_file_actions_adddup2(&actions, 0, 2);
        } else {
            int child[3] = {ends[0], ends[3], ends[5]};
            for (int fd = 0; fd < 3; fd++) {
                if (child[fd] >= 0) {
                    posix_spawn_file_actions_adddup2(&actions, child[fd], fd);
                } else {
                    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
                }
            }
        }
        posix_spawn_file_actions_addchdir_np(&actions, cwd);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setsigdefault(&attributes, &all);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        int failed = posix_spawn(&pid, program, &actions, &attributes, argv, envp);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        if (failed) {
            snprintf(error, size, "cannot start %s: %s", program, strerror(failed));
            result = failed == ENOENT ? E_FILE_NOT_FOUND : failed == EACCES ? E_ACCESSDENIED : E_INVALIDARG;
        }
    }
    int child_ends[] = {ends[0], ends[3], ends[5]};
    close_all(child_ends, 3);
    if (result < 0) {
        int all_ends[] = {ends[1], ends[2], ends[4], ends[6], ends[7], ends[8]};
        close_all(all_ends, 6);
    } else {
        struct process *p = calloc(1, sizeof *p);
        p->system = s;
        p->pid = pid;
        p->console = ends[8];
        p->stdin_wake = -1;
        clock_gettime(CLOCK_MONOTONIC, &p->started);
        p->next = s->processes;
        s->processes = p;
        processes_alive++;
        if (ends[6] >= 0) {
            struct relay *r = malloc(sizeof *r);
            r->process = p;
            r->from = ends[6];
            r->to = ends[7];
            r->wake = p->stdin_wake = eventfd(0, EFD_CLOEXEC);
            start_thread(relay_stdin, r);
        }
        start_thread(reap, p);
        info->ProcessId = (DWORD)pid;
        info->StdInput = (HANDLE)(intptr_t)ends[1];
        info->StdOutput = (HANDLE)(intptr_t)ends[2];
        info->StdError = (HANDLE)(intptr_t)ends[4];
        *out = p;
    }
    free(program);
    free_strings(argv);
    free_strings(envp);
    return result;
}

static void created_process_work(struct operation *op) {
    complete(op, S_OK, NULL);
}

static struct process_handle *new_process_handle(struct process *p) {
    struct process_handle *h = calloc(1, sizeof *h);
    h->process = p;
    add_object(&h->o, K_PROCESS);
    return h;
}

EXPORT HRESULT HcsCreateProcess(void *computeSystem, const WCHAR *processParameters, void *operation, const void *securityDescriptor,
                                void **process) {
    if (process) {
        *process = NULL;
    }
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    struct operation *op = NULL;
    HRESULT result = h ? bind_operation(operation, OP_CREATE_PROCESS, &h->o, &op) : E_HANDLE;
    if (result < 0) {
        unlock_all();
        return result;
    }
    char error[640];
    cJSON *parameters = NULL;
    struct system *s = h->system;
    struct process *p = NULL;
    if (!process || securityDescriptor) {
        result = fail(op, E_INVALIDARG, "process is required and securityDescriptor must be NULL");
    } else if (s->state == SYS_STOPPED || s->stopping) {
        result = fail(op, HCS_E_SYSTEM_ALREADY_STOPPED, "the compute system stopped");
    } else if (s->state != SYS_RUNNING) {
        result = fail(op, HCS_E_INVALID_STATE, "the compute system is not started");
    } else if (s->vm) {
        result = fail(op, E_NOTIMPL, "a utility VM's processes are the guest's: HCS has no connection to this guest");
    } else if (!(parameters = parse_document(processParameters, PROCESS_PARAMETERS, 0, "ProcessParameters", &result, error, sizeof error))) {
        result = fail(op, result, error);
    } else if ((result = spawn(s, parameters, &op->info, &p, error, sizeof error)) < 0) {
        result = fail(op, result, error);
    } else {
        op->has_info = 1;
        *process = (void *)new_process_handle(p)->o.handle;
        result = submit(op, created_process_work);
    }
    cJSON_Delete(parameters);
    unlock_all();
    return result;
}

EXPORT HRESULT HcsOpenProcess(void *computeSystem, DWORD processId, DWORD requestedAccess, void **process) {
    if (!process) {
        return E_INVALIDARG;
    }
    *process = NULL;
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    HRESULT result = S_OK;
    if (!h) {
        result = E_HANDLE;
    } else if (requestedAccess != GENERIC_ALL) {
        result = E_INVALIDARG;
    } else {
        struct process *p = h->system->processes;
        while (p && !(p->pid == (pid_t)processId && !p->exited)) {
            p = p->next;
        }
        if (!p) {
            result = E_NOT_FOUND;
        } else {
            *process = (void *)new_process_handle(p)->o.handle;
        }
    }
    unlock_all();
    return result;
}

EXPORT void HcsCloseProcess(void *process) {
    lock_all();
    struct obj *o = find(process, K_PROCESS);
    if (o) {
        close_object(o);
    }
    unlock_all();
}

static int signal_number(const char *name) {
    if (strcmp(name, "CtrlC") == 0) {
        return SIGINT;
    }
    if (strcmp(name, "CtrlBreak") == 0) {
        return SIGQUIT;
    }
    if (strcmp(name, "CtrlShutdown") == 0) {
        return SIGTERM;
    }
    return SIGHUP; /* CtrlClose, CtrlLogOff */
}

static void signal_work(struct operation *op) {
    struct process *p = op->process;
    if (p->exited) {
        complete(op, HCS_E_PROCESS_ALREADY_STOPPED, result_error(HCS_E_PROCESS_ALREADY_STOPPED, "the process exited"));
        return;
    }
    const char *name = string_of(op->arg, "Signal");
    if (name) {
        kill(-p->pid, signal_number(name)); /* a console's control event reaches its whole group */
    } else {
        kill(p->pid, SIGKILL); /* TerminateProcess ends that one process; its children live on in the silo */
    }
    complete(op, S_OK, NULL);
}

static void process_info_work(struct operation *op) {
    op->has_info = 1;
    op->info_taken = 1; /* the pipes went with the create: none again */
    op->info.ProcessId = (DWORD)op->process->pid;
    complete(op, S_OK, NULL);
}

static void process_properties_work(struct operation *op) {
    complete(op, S_OK, process_status(op->process));
}

static void modify_process_work(struct operation *op) {
    struct process *p = op->process;
    const char *operation = string_of(op->arg, "Operation");
    if (p->exited) {
        complete(op, HCS_E_PROCESS_ALREADY_STOPPED, result_error(HCS_E_PROCESS_ALREADY_STOPPED, "the process exited"));
    } else if (strcmp(operation, "ConsoleSize") == 0) {
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(op->arg, "ConsoleSize");
        struct winsize window = {(unsigned short)cJSON_GetObjectItemCaseSensitive(size, "Height")->valueint,
                                 (unsigned short)cJSON_GetObjectItemCaseSensitive(size, "Width")->valueint, 0, 0};
        if (p->console < 0) {
            complete(op, E_INVALIDARG, result_error(E_INVALIDARG, "the process has no console"));
        } else {
            ioctl(p->console, TIOCSWINSZ, &window);
            complete(op, S_OK, NULL);
        }
    } else {
        const char *handle = string_of(cJSON_GetObjectItemCaseSensitive(op->arg, "CloseHandle"), "Handle");
        if (strcmp(handle, "StdIn") == 0 || strcmp(handle, "All") == 0) {
            if (p->console >= 0) {
                struct termios modes;
                char eof = tcgetattr(p->console, &modes) == 0 ? (char)modes.c_cc[VEOF] : 4;
                if (write(p->console, &eof, 1) < 0) {
                    /* the terminal is gone with its process */
                }
            } else if (p->stdin_wake >= 0) {
                uint64_t one = 1;
                if (write(p->stdin_wake, &one, sizeof one) < 0) {
                    /* the relay is ending already */
                }
            }
        }
        complete(op, S_OK, NULL); /* StdOut/StdErr: the caller's ends are its own to close */
    }
}

/*
 * Binds an operation to a process call and checks its document; then the work runs on its own
 * thread. `fields` NULL: the options must be empty.
 */
static HRESULT process_call(void *process, void *operation, int type, const WCHAR *document, const struct field *fields, int required,
                            work_fn work) {
    lock_all();
    struct process_handle *h = (struct process_handle *)find(process, K_PROCESS);
    struct operation *op = NULL;
    HRESULT result = h ? bind_operation(operation, type, NULL, &op) : E_HANDLE;
    if (result >= 0) {
        char error[640];
        cJSON *arg = NULL;
        if (!fields && !is_empty_options(document)) {
            result = fail(op, E_INVALIDARG, "options: reserved, must be NULL");
        } else if (fields && !(arg = parse_document(document, fields, !required, "document", &result, error, sizeof error))) {
            result = fail(op, result, error);
        } else if (type == OP_SIGNAL_PROCESS && !string_of(arg, "Signal")) {
            result = fail(op, E_INVALIDARG, "SignalProcessOptions.Signal: missing");
        } else if (type == OP_MODIFY_PROCESS &&
                   (!string_of(arg, "Operation") ||
                    !cJSON_GetObjectItemCaseSensitive(arg, strcmp(string_of(arg, "Operation"), "ConsoleSize") == 0 ? "ConsoleSize" : "CloseHandle") ||
                    (cJSON_GetObjectItemCaseSensitive(arg, "CloseHandle") &&
                     !string_of(cJSON_GetObjectItemCaseSensitive(arg, "CloseHandle"), "Handle")))) {
            result = fail(op, E_INVALIDARG, "ProcessModifyRequest: Operation and its settings are required");
        } else {
            if (type == OP_TERMINATE) {
                cJSON_Delete(arg);
                arg = NULL; /* no Signal: SIGKILL */
            }
            op->arg = arg;
            arg = NULL;
            op->process = h->process;
            result = submit(op, work);
        }
        cJSON_Delete(arg);
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsSignalProcess(void *process, void *operation, const WCHAR *options) {
    return process_call(process, operation, OP_SIGNAL_PROCESS, options, SIGNAL_PROCESS_OPTIONS, 1, signal_work);
}

EXPORT HRESULT HcsTerminateProcess(void *process, void *operation, const WCHAR *options) {
    return process_call(process, operation, OP_TERMINATE, options, NULL, 0, signal_work);
}

EXPORT HRESULT HcsGetProcessInfo(void *process, void *operation) {
    return process_call(process, operation, OP_GET_PROCESS_INFO, NULL, NULL, 0, process_info_work);
}

EXPORT HRESULT HcsGetProcessProperties(void *process, void *operation, const WCHAR *propertyQuery) {
    return process_call(process, operation, OP_GET_PROCESS_PROPERTIES, propertyQuery, PROPERTY_QUERY, 0, process_properties_work);
}

EXPORT HRESULT HcsModifyProcess(void *process, void *operation, const WCHAR *settings) {
    return process_call(process, operation, OP_MODIFY_PROCESS, settings, PROCESS_MODIFY_REQUEST, 1, modify_process_work);
}

EXPORT HRESULT HcsSetProcessCallback(void *process, int callbackOptions, void *context, HCS_EVENT_CALLBACK callback) {
    lock_all();
    struct obj *o = find(process, K_PROCESS);
    HRESULT result = S_OK;
    if (!o) {
        result = E_HANDLE;
    } else if (!callback || (callbackOptions & ~OPTIONS_ALL)) {
        result = E_INVALIDARG;
    } else if (o->callback) {
        result = HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET;
    } else {
        o->callback = (void *)callback;
        o->context = context;
        tell_if_over(o, ((struct process_handle *)o)->process->exited);
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsWaitForProcessExit(void *process, DWORD timeoutMs, WCHAR **result) {
    if (result) {
        *result = NULL;
    }
    lock_all();
    struct process_handle *h = (struct process_handle *)find(process, K_PROCESS);
    if (!h) {
        unlock_all();
        return E_HANDLE;
    }
    struct timespec deadline;
    if (timeoutMs != INFINITE) {
        deadline_after(&deadline, timeoutMs);
    }
    h->o.refs++;
    int in_time = 1;
    while (!h->process->exited && !h->o.closed && in_time) {
        in_time = wait_until(timeoutMs == INFINITE ? NULL : &deadline);
    }
    HRESULT answer = S_OK;
    if (h->o.closed) {
        answer = E_HANDLE;
    } else if (!h->process->exited) {
        answer = HCS_E_OPERATION_TIMEOUT;
    } else if (result) {
        char *status = process_status(h->process);
        *result = give_document(status);
        free(status);
    }
    unref(&h->o);
    unlock_all();
    return answer;
}

/* ---- properties (from /proc) ---------------------------------------------------------------- */

static int read_stat(pid_t pid, struct proc_entry *e) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return 0;
    }
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *open = strchr(line, '(');
    char *close = strrchr(line, ')');
    if (!ok || !open || !close) {
        return 0;
    }
    e->pid = pid;
    snprintf(e->comm, sizeof e->comm, "%.*s", (int)(close - open - 1), open + 1);
    /* after ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
       cutime cstime priority nice num_threads itrealvalue starttime */
    unsigned long long utime, stime, starttime;
    int ppid, session;
    char state;
    if (sscanf(close + 2, "%c %d %*d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu", &state, &ppid, &session,
               &utime, &stime, &starttime) != 6) {
        return 0;
    }
    e->state = state;
    e->ppid = ppid;
    e->session = session;
    e->utime = utime;
    e->stime = stime;
    e->starttime = starttime;
    return 1;
}

/* of `all` (n entries), the members and, added until none is new, their living descendants; frees `member` */
static struct proc_entry *with_descendants(struct proc_entry *all, int n, char *member, int *count) {
    for (int grew = 1; grew;) { /* add children of members until none is new */
        grew = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n && !member[i]; j++) {
                if (member[j] && all[i].ppid == all[j].pid && all[i].state != 'Z') {
                    member[i] = grew = 1;
                }
            }
        }
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (member[i]) {
            all[k++] = all[i];
        }
    }
    free(member);
    *count = k;
    return all;
}

/* every process in /proc now, as read_stat reads it; *count is how many */
static struct proc_entry *proc_all(int *count) {
    int capacity = 256, n = 0;
    struct proc_entry *all = malloc((size_t)capacity * sizeof *all);
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        pid_t pid = (pid_t)atoi(entry->d_name);
        if (pid <= 0) {
            continue;
        }
        if (n == capacity) {
            capacity *= 2;
            all = realloc(all, (size_t)capacity * sizeof *all);
        }
        n += read_stat(pid, &all[n]);
    }
    if (proc) {
        closedir(proc);
    }
    *count = n;
    return all;
}

/* a "Key: value" of /proc/<pid>/<file>, times `scale` */
static uint64_t proc_value(pid_t pid, const char *file, const char *key, uint64_t scale) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "re");
    uint64_t value = 0;
    size_t length = strlen(key);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, length) == 0 && line[length] == ':') {
            value = strtoull(line + length + 1, NULL, 10) * scale;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return value;
}

/*
 * Every process of `s` as it is in /proc now, zombies left out: the processes it spawned, each the
 * leader of a session of its own, and whatever runs in those sessions (a Windows container's silo
 * holds a process's children also once the process itself has gone), and their descendants.
 */
static struct proc_entry *system_tree(struct system *s, int *count) {
    int n = 0;
    struct proc_entry *all = proc_all(&n);
    char *member = calloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++) {
        for (struct process *p = s->processes; p && all[i].state != 'Z'; p = p->next) {
            member[i] |= all[i].session == p->pid || (!p->exited && all[i].pid == p->pid);
        }
    }
    return with_descendants(all, n, member, count);
}

static void rfc3339(char *out, size_t size, time_t seconds, long nanoseconds) {
    struct tm utc;
    gmtime_r(&seconds, &utc);
    char date[40];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out, size, "%s.%09ldZ", date, nanoseconds);
}

static uint64_t boot_time(void) {
    FILE *f = fopen("/proc/stat", "re");
    char line[256];
    uint64_t btime = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "btime ", 6) == 0) {
            btime = strtoull(line + 6, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return btime;
}

static cJSON *process_list(struct proc_entry *tree, int n) {
    cJSON *list = cJSON_CreateArray();
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t boot = boot_time();
    for (int i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        char created[64];
        rfc3339(created, sizeof created, (time_t)(boot + tree[i].starttime / (uint64_t)hz),
                (long)(tree[i].starttime % (uint64_t)hz) * (1000000000L / hz));
        cJSON_AddNumberToObject(item, "ProcessId", tree[i].pid);
        cJSON_AddStringToObject(item, "ImageName", tree[i].comm);
        cJSON_AddStringToObject(item, "CreateTimestamp", created);
        cJSON_AddNumberToObject(item, "UserTime100ns", (double)ticks_to_100ns(tree[i].utime));
        cJSON_AddNumberToObject(item, "KernelTime100ns", (double)ticks_to_100ns(tree[i].stime));
        cJSON_AddNumberToObject(item, "MemoryCommitBytes",
                                (double)(proc_value(tree[i].pid, "status", "RssAnon", 1024) + proc_value(tree[i].pid, "status", "VmSwap", 1024)));
        cJSON_AddNumberToObject(item, "MemoryWorkingSetPrivateBytes", (double)proc_value(tree[i].pid, "status", "RssAnon", 1024));
        cJSON_AddNumberToObject(item, "MemoryWorkingSetSharedBytes",
                                (double)(proc_value(tree[i].pid, "status", "RssFile", 1024) + proc_value(tree[i].pid, "status", "RssShmem", 1024)));
        cJSON_AddItemToArray(list, item);
    }
    return list;
}

static cJSON *statistics(struct system *s, struct proc_entry *tree, int n) {
    uint64_t user = s->exited_user_100ns, kernel = s->exited_kernel_100ns;
    uint64_t commit = 0, peak = 0, private_set = 0, reads = 0, read_bytes = s->exited_read_blocks * 512, writes = 0,
             write_bytes = s->exited_write_blocks * 512;
    for (int i = 0; i < n; i++) {
        pid_t pid = tree[i].pid;
        user += ticks_to_100ns(tree[i].utime);
        kernel += ticks_to_100ns(tree[i].stime);
        uint64_t anon = proc_value(pid, "status", "RssAnon", 1024);
        commit += anon + proc_value(pid, "status", "VmSwap", 1024);
        peak += proc_value(pid, "status", "VmHWM", 1024);
        private_set += anon;
        reads += proc_value(pid, "io", "syscr", 1);
        read_bytes += proc_value(pid, "io", "read_bytes", 1);
        writes += proc_value(pid, "io", "syscw", 1);
        write_bytes += proc_value(pid, "io", "write_bytes", 1);
    }
    struct timespec now, mono;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    char stamp[64], started[64];
    rfc3339(stamp, sizeof stamp, now.tv_sec, now.tv_nsec);
    rfc3339(started, sizeof started, s->started_wall, 0);
    uint64_t uptime = (uint64_t)(mono.tv_sec - s->started.tv_sec) * 10000000 + (uint64_t)((mono.tv_nsec - s->started.tv_nsec) / 100);
    cJSON *stats = cJSON_CreateObject();
    cJSON_AddStringToObject(stats, "Timestamp", stamp);
    cJSON_AddStringToObject(stats, "ContainerStartTime", started);
    cJSON_AddNumberToObject(stats, "Uptime100ns", (double)uptime);
    cJSON *processor = cJSON_AddObjectToObject(stats, "Processor");
    cJSON_AddNumberToObject(processor, "TotalRuntime100ns", (double)(user + kernel));
    cJSON_AddNumberToObject(processor, "RuntimeUser100ns", (double)user);
    cJSON_AddNumberToObject(processor, "RuntimeKernel100ns", (double)kernel);
    cJSON *memory = cJSON_AddObjectToObject(stats, "Memory");
    cJSON_AddNumberToObject(memory, "MemoryUsageCommitBytes", (double)commit);
    cJSON_AddNumberToObject(memory, "MemoryUsageCommitPeakBytes", (double)(peak > commit ? peak : commit));
    cJSON_AddNumberToObject(memory, "MemoryUsagePrivateWorkingSetBytes", (double)private_set);
    cJSON *storage = cJSON_AddObjectToObject(stats, "Storage");
    cJSON_AddNumberToObject(storage, "ReadCountNormalized", (double)reads);
    cJSON_AddNumberToObject(storage, "ReadSizeBytes", (double)read_bytes);
    cJSON_AddNumberToObject(storage, "WriteCountNormalized", (double)writes);
    cJSON_AddNumberToObject(storage, "WriteSizeBytes", (double)write_bytes);
    return stats;
}

static const char *state_name(struct system *s) {
    return s->state == SYS_CREATED ? "Created" : s->state == SYS_RUNNING ? "Running" : "Stopped";
}

/* the Properties every query answers: "Compute system Id and SystemType will always be returned" */
static cJSON *basic_properties(struct system *s) {
    cJSON *properties = cJSON_CreateObject();
    cJSON_AddStringToObject(properties, "Id", s->id);
    cJSON_AddStringToObject(properties, "SystemType", s->vm ? "VirtualMachine" : "Container");
    cJSON_AddStringToObject(properties, "RuntimeOsType", s->vm ? "Linux" : "Windows");
    if (s->vm) {
        cJSON_AddStringToObject(properties, "RuntimeId", s->runtime_id);
    }
    if (*s->owner) {
        cJSON_AddStringToObject(properties, "Owner", s->owner);
    }
    cJSON_AddStringToObject(properties, "State", state_name(s));
    if (s->state == SYS_STOPPED) {
        cJSON_AddBoolToObject(properties, "Stopped", 1);
        cJSON_AddStringToObject(properties, "ExitType", s->exit_type);
    }
    return properties;
}

static void properties_work(struct operation *op) {
    struct system *s = op->system;
    cJSON *properties = basic_properties(s);
    HRESULT result = S_OK;
    const char *failure = NULL;
    const cJSON *type;
    cJSON_ArrayForEach(type, cJSON_GetObjectItemCaseSensitive(op->arg, "PropertyTypes")) {
        const char *name = type->valuestring;
        if (strcmp(name, "TerminateOnLastHandleClosed") == 0) {
            cJSON_AddBoolToObject(properties, "TerminateOnLastHandleClosed", s->terminate_on_last_close);
        } else if (s->vm && strcmp(name, "Statistics") != 0 && strcmp(name, "Memory") != 0) {
            result = E_NOTIMPL;
            failure = "a property type a utility VM does not answer here";
        } else if (s->vm && s->state != SYS_RUNNING) {
            result = HCS_E_INVALID_STATE;
            failure = "the utility VM is not running";
        } else if (s->vm && strcmp(name, "Memory") == 0) {
            cJSON_AddItemToObject(properties, "Memory", vm_memory(s));
        } else if (s->vm) {
            int n;
            struct proc_entry *tree = vm_tree(s, &n);
            cJSON_AddItemToObject(properties, name, statistics(s, tree, n));
            free(tree);
        } else if (strcmp(name, "Statistics") != 0 && strcmp(name, "ProcessList") != 0) {
            result = E_NOTIMPL;
            failure = "a property type a process-isolated container does not have";
        } else if (s->state != SYS_RUNNING) {
            result = HCS_E_INVALID_STATE;
            failure = "the compute system is not running";
        } else if (!cJSON_GetObjectItemCaseSensitive(properties, name)) {
            int n;
            struct proc_entry *tree = system_tree(s, &n);
            cJSON_AddItemToObject(properties, name, strcmp(name, "Statistics") == 0 ? statistics(s, tree, n) : process_list(tree, n));
            free(tree);
        }
    }
    if (result < 0) {
        cJSON_Delete(properties);
        complete(op, result, result_error(result, failure));
        return;
    }
    char *text = cJSON_PrintUnformatted(properties);
    cJSON_Delete(properties);
    complete(op, S_OK, text);
}

static HRESULT system_document_call(void *computeSystem, void *operation, int type, const WCHAR *document, const struct field *fields,
                                    int required, work_fn work) {
    lock_all();
    struct system_handle *h = find_system(computeSystem);
    struct operation *op = NULL;
    HRESULT result = h ? bind_operation(operation, type, &h->o, &op) : E_HANDLE;
    if (result >= 0) {
        char error[640];
        cJSON *arg = parse_document(document, fields, !required, "document", &result, error, sizeof error);
        if (!arg) {
            result = fail(op, result, error);
        } else {
            op->arg = arg;
            op->system = h->system;
            result = submit(op, work);
        }
    }
    unlock_all();
    return result;
}

EXPORT HRESULT HcsGetComputeSystemProperties(void *computeSystem, void *operation, const WCHAR *propertyQuery) {
    return system_document_call(computeSystem, operation, OP_GET_PROPERTIES, propertyQuery, PROPERTY_QUERY, 0, properties_work);
}

static void modify_work(struct operation *op) {
    const char *path = string_of(op->arg, "ResourcePath");
    if (op->system->vm) {
        vm_modify(op);
    } else if (op->system->state == SYS_STOPPED) {
        complete(op, HCS_E_SYSTEM_ALREADY_STOPPED, result_error(HCS_E_SYSTEM_ALREADY_STOPPED, "the compute system stopped"));
    } else if (!path || strcmp(path, "Container/MappedDirectories") != 0) {
        complete(op, E_NOTIMPL, result_error(E_NOTIMPL, "the stand-in modifies Container/MappedDirectories only"));
    } else {
        char error[640];
        const cJSON *settings = cJSON_GetObjectItemCaseSensitive(op->arg, "Settings");
        if (!check_value(settings, V_OBJECT, MAPPED_DIRECTORY, 0, NULL, "Settings", error, sizeof error)) {
            complete(op, HCS_E_INVALID_JSON, result_error(HCS_E_INVALID_JSON, error));
        } else if (!is_directory(string_of(settings, "HostPath"))) {
            complete(op, E_PATH_NOT_FOUND, result_error(E_PATH_NOT_FOUND, "Settings.HostPath: no such directory"));
        } else {
            complete(op, S_OK, NULL); /* processes run on the host's file system: nothing to map */
        }
    }
}

EXPORT HRESULT HcsModifyComputeSystem(void *computeSystem, void *operation, const WCHAR *configuration, HANDLE identity) {
    if (identity) {
        lock_all();
        struct operation *op = NULL;
        HRESULT result = find_system(computeSystem) ? bind_operation(operation, OP_MODIFY, NULL, &op) : E_HANDLE;
        result = result < 0 ? result : fail(op, E_INVALIDARG, "identity: the stand-in takes none");
        unlock_all();
        return result;
    }
    return system_document_call(computeSystem, operation, OP_MODIFY, configuration, MODIFY_SETTING_REQUEST, 1, modify_work);
}

static int listed(const cJSON *list, const char *value) {
    if (!list) {
        return 1; /* no filter */
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        if (strcmp(item->valuestring, value) == 0) {
            return 1;
        }
    }
    return 0;
}

static void enumerate_work(struct operation *op) {
    cJSON *all = cJSON_CreateArray();
    for (struct system *s = systems; s; s = s->next) {
        if (listed(cJSON_GetObjectItemCaseSensitive(op->arg, "Ids"), s->id) && listed(cJSON_GetObjectItemCaseSensitive(op->arg, "Names"), s->id) &&
            listed(cJSON_GetObjectItemCaseSensitive(op->arg, "Owners"), s->owner) &&
            listed(cJSON_GetObjectItemCaseSensitive(op->arg, "Types"), s->vm ? "VirtualMachine" : "Container")) {
            cJSON_AddItemToArray(all, basic_properties(s));
        }
    }
    char *text = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    complete(op, S_OK, text);
}

EXPORT HRESULT HcsEnumerateComputeSystems(const WCHAR *query, void *operation) {
    lock_all();
    struct operation *op = NULL;
    HRESULT result = bind_operation(operation, OP_ENUMERATE, NULL, &op);
    if (result >= 0) {
        char error[640];
        cJSON *arg = parse_document(query, SYSTEM_QUERY, 1, "query", &result, error, sizeof error);
        if (!arg) {
            result = fail(op, result, error);
        } else {
            op->arg = arg;
            result = submit(op, enumerate_work);
        }
    }
    unlock_all();
    return result;
}

/* ---- kernel32 ------------------------------------------------------------------------------ */

/* frees a result document; anything else is refused (returned, last error ERROR_INVALID_HANDLE) */
EXPORT void *LocalFree(void *memory) {
    if (!memory) {
        return NULL;
    }
    lock_all();
    for (struct document **d = &documents; *d; d = &(*d)->next) {
        if ((*d)->memory == memory) {
            struct document *found = *d;
            *d = found->next;
            free(found->memory);
            free(found);
            documents_open--;
            unlock_all();
            return NULL;
        }
    }
    unlock_all();
    errno = ERROR_INVALID_HANDLE;
    return memory;
}

/* the descriptor a pipe HANDLE given to the caller is; -1 (last error set) if none */
static int pipe_of(HANDLE handle) {
    intptr_t fd = (intptr_t)handle;
    lock_all();
    int owned = fd >= 0 && fd < MAX_PIPES && pipe_owned[fd];
    unlock_all();
    if (!owned) {
        errno = ERROR_INVALID_HANDLE;
        return -1;
    }
    return (int)fd;
}

/* blocks until data, or FALSE with ERROR_BROKEN_PIPE once every writer closed (as a Windows pipe) */
EXPORT BOOL ReadFile(HANDLE file, void *buffer, DWORD size, DWORD *bytesRead, void *overlapped) {
    if (bytesRead) {
        *bytesRead = 0;
    }
    int fd = pipe_of(file);
    if (fd < 0) {
        return 0;
    }
    if (overlapped || (!buffer && size)) {
        errno = ERROR_INVALID_PARAMETER;
        return 0;
    }
    ssize_t n;
    do {
        n = read(fd, buffer, size);
    } while (n < 0 && errno == EINTR);
    if (n > 0 || (n == 0 && size == 0)) {
        if (bytesRead) {
            *bytesRead = (DWORD)n;
        }
        errno = 0;
        return 1;
    }
    errno = ERROR_BROKEN_PIPE; /* end of file, or EIO from a terminal whose process is gone */
    return 0;
}

/* writes everything, or FALSE with ERROR_NO_DATA once the reader closed */
EXPORT BOOL WriteFile(HANDLE file, const void *buffer, DWORD size, DWORD *bytesWritten, void *overlapped) {
    if (bytesWritten) {
        *bytesWritten = 0;
    }
    int fd = pipe_of(file);
    if (fd < 0) {
        return 0;
    }
    if (overlapped || (!buffer && size)) {
        errno = ERROR_INVALID_PARAMETER;
        return 0;
    }
    DWORD done = 0;
    while (done < size) {
        ssize_t n = write_quietly(fd, (const char *)buffer + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            errno = errno == EPIPE || errno == EIO ? ERROR_NO_DATA : ERROR_INVALID_HANDLE;
            return 0;
        }
        done += (DWORD)n;
        if (bytesWritten) {
            *bytesWritten = done;
        }
    }
    errno = 0;
    return 1;
}

EXPORT BOOL CloseHandle(HANDLE object) {
    intptr_t fd = (intptr_t)object;
    lock_all();
    int owned = fd >= 0 && fd < MAX_PIPES && pipe_owned[fd];
    if (owned) {
        pipe_owned[fd] = 0;
        pipes_open--;
        close((int)fd);
    }
    unlock_all();
    if (!owned) {
        errno = ERROR_INVALID_HANDLE;
        return 0;
    }
    errno = 0;
    return 1;
}

/* ---- test-only ----------------------------------------------------------------------------- */

/*
 * Fills up to `length` counts: 0 open operations, 1 open system handles, 2 open process handles,
 * 3 pipe handles the caller holds, 4 result documents not freed, 5 processes not yet exited and
 * reaped, 6 compute systems not removed, 7 stand-in threads running. Returns how many it filled.
 */
EXPORT int StandInCounts(int *counts, int length) {
    int all[8] = {0};
    lock_all();
    for (struct obj *o = objects; o; o = o->next) {
        if (!o->closed) {
            all[o->kind - 1]++;
        }
    }
    all[3] = pipes_open;
    all[4] = documents_open;
    all[5] = processes_alive;
    for (struct system *s = systems; s; s = s->next) {
        all[6]++;
    }
    all[7] = busy_threads;
    unlock_all();
    int n = length < 8 ? length : 8;
    memcpy(counts, all, (size_t)n * sizeof *counts);
    return n;
}

/* what the caller must still close or free: operations, system and process handles, pipes, documents */
EXPORT int StandInOpenHandles(void) {
    int counts[5];
    StandInCounts(counts, 5);
    return counts[0] + counts[1] + counts[2] + counts[3] + counts[4];
}
