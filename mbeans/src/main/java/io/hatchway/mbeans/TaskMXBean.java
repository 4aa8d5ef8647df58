package io.hatchway.mbeans;

import io.hatchway.hcs.ProcessDetails;
import java.util.List;

/**
 * One task, {@code hatchway:type=Task,name=<taskId>}: the containerd task model as hcsshim's
 * {@code hcsTask} implements it (CONTRACT.md). Exec id {@code ""} is the init exec everywhere.
 *
 * <p>Every failure is a {@code java.*} exception whose message starts with its kind:
 * {@code NotFound} ({@link java.util.NoSuchElementException}), {@code InvalidArgument}
 * ({@link IllegalArgumentException}), {@code NotImplemented}
 * ({@link UnsupportedOperationException}), the others {@link IllegalStateException}. A failed call
 * changes nothing unless its description says otherwise. Once the task is deleted every call fails
 * with NotFound. Thread-safe: calls on one exec are serialized, calls on different execs are not.
 */
@Description("A container task (containerd task model); exec id \"\" is the init exec")
public interface TaskMXBean {

    /**
     * Stores a new exec in state {@code created} (not started) and sends {@code exec-added}.
     * <ol>
     * <li>{@code execId} empty, equal to the task id, or known → AlreadyExists
     *     {@code exec: '<eid>' in task: '<tid>' already exists}; breaking the id rule → InvalidArgument.</li>
     * <li>Init exec not running → FailedPrecondition
     *     {@code exec: '' in task: '<tid>' must be running to create additional execs}.</li>
     * <li>{@code terminal} with a {@code stderr} file → FailedPrecondition
     *     {@code if using terminal, stderr must be empty}.</li>
     * <li>A process that is not JSON, over 1 MiB, without args, or that this backend cannot run →
     *     InvalidArgument (NotImplemented for a feature the backend lacks).</li>
     * </ol>
     */
    @Description("Adds an exec in state created (not started); processJson is an OCI runtime-spec process object")
    void createExec(
            @Description("New exec id (not \"\" and not the task id)") String execId,
            @Description("OCI process JSON: args, env, cwd, user, terminal, ...; optional stdin/stdout/stderr file paths") String processJson);

    /**
     * Starts a {@code created} exec (for the init exec, the container first) → {@code running},
     * sends {@code start} (init) or {@code exec-started}. Not created → FailedPrecondition
     * {@code exec: '<eid>' in task: '<tid>' is in invalid state: '<state>' for start}. A failed
     * launch leaves the exec {@code exited} with status 1 (and tears the container down for init).
     *
     * @return the process id
     */
    @Description("Starts a created exec (\"\" = init exec, which starts the container). Returns its pid")
    int start(@Description("Exec id; \"\" for the init exec") String execId);

    /** The exec's state: {@code id} is the task id, {@code execId} the task id for init. NotFound for an unknown exec. */
    @Description("State of an exec: pid, status (created, running, exited), exit status and time")
    ExecStatus state(@Description("Exec id; \"\" for the init exec") String execId);

    /**
     * In order: unknown exec → NotFound; {@code all} with a non-empty id → FailedPrecondition
     * {@code cannot signal all for non-empty exec: '<eid>'}; {@code all} signals every additional
     * exec (a failure is logged, the rest still get it) and then the init exec. A created exec
     * becomes exited with status 1; a running one gets the signal (1–31 on Linux, else
     * FailedPrecondition {@code signal <n>: invalid signal value}); an exited one → NotFound.
     */
    @Description("Signals an exec; all=true (init exec only) signals every exec of the task, additional execs first")
    void killExec(
            @Description("Exec id; \"\" for the init exec") String execId,
            @Description("Signal number, 1-31 on Linux (9 = SIGKILL, 15 = SIGTERM)") int signal,
            @Description("Signal every exec of the task (only with the init exec)") boolean all);

    /**
     * Deletes an exited exec. Unknown → NotFound. For {@code ""} every additional exec not exited
     * is first force-exited with status 1. A created target is force-exited with 0; a running one →
     * FailedPrecondition {@code ... 'running' for delete}. For {@code ""} it then waits (bounded,
     * 30 s: DeadlineExceeded {@code waiting for container resource cleanup}) for the container to
     * be torn down and removes the task with all its MBeans. Sends {@code delete}.
     *
     * <p>From the moment the delete takes the exec (or task) it is NotFound; the delete event is
     * sent, the MBeans unregistered and the kept output removed before the call returns, and only
     * then is the id free: an exec or task created again under it owns everything under that id,
     * and its events follow this {@code delete}. A create of that id meanwhile waits for it.
     */
    @Description("Deletes an exited or created exec; \"\" deletes the whole task and unregisters its MBeans")
    DeleteResult deleteExec(@Description("Exec id; \"\" for the init exec (the task)") String execId);

    /**
     * Every process of the task (init, execs, their children). {@code execId} is the task id for
     * the init process, the exec id for an exec's process, {@code ""} for others. A task whose
     * processes cannot be listed → NotFound {@code failed to fetch pids: ...}.
     */
    @Description("Every process of the task with times, memory and the exec it belongs to")
    List<ProcessDetails> pids();

    /**
     * Blocks until the exec has exited, at most {@code timeoutMillis} (0–3600000; else
     * InvalidArgument); expiry → DeadlineExceeded, nothing changes. For {@code ""} (task-level
     * wait) it returns only once the container is torn down and the init {@code exit} event sent.
     */
    @Description("Waits until an exec has exited (\"\" = until the whole task has shut down); bounded by timeoutMillis")
    ExitStatus waitExec(
            @Description("Exec id; \"\" for the task-level wait") String execId,
            @Description("Longest wait in milliseconds, 0 to 3600000") long timeoutMillis);

    /** The container's figures, and its host's for an isolated task. Gone → NotFound {@code failed to fetch stats: ...}. */
    @Description("Processor, memory, storage and pids figures of the container (and of its host when isolated)")
    TaskStatistics stats();

    /**
     * Runs a process in the task's host, outside the container; not an exec, no events. Empty args
     * → InvalidArgument {@code missing command}; not isolated → FailedPrecondition
     * {@code task is not isolated}.
     *
     * @return its exit code, -1 when unknown
     */
    @Description("Runs a process in the task's host (sandbox), outside the container, and returns its exit code")
    int execInHost(
            @Description("OCI process JSON") String processJson,
            @Description("Longest run in milliseconds, 0 to 3600000") long timeoutMillis);

    /** Stacks of what runs in the host, bounded by 5 s; {@code ""} when not isolated. */
    @Description("Kernel stacks and wait channels of the processes in the task's host; empty when not isolated")
    String dumpGuestStacks();

    /** Makes a host path visible in the task's host. Not isolated → FailedPrecondition {@code task is not isolated}. */
    @Description("Makes a host directory or file visible inside the task's host (sandbox)")
    void share(
            @Description("Absolute host path of a directory or file") String hostPath,
            @Description("Absolute path inside the host") String guestPath,
            @Description("Mount read-only") boolean readOnly);

    /** Not a tty → FailedPrecondition {@code ... is not a tty}; a running tty is resized; otherwise ignored. */
    @Description("Resizes an exec's terminal")
    void resizePty(
            @Description("Exec id; \"\" for the init exec") String execId,
            @Description("Columns") int width,
            @Description("Rows") int height);

    /** Closes the exec's stdin when running; always succeeds for a known exec. */
    @Description("Closes an exec's standard input")
    void closeIO(
            @Description("Exec id; \"\" for the init exec") String execId,
            @Description("Close standard input") boolean stdin);

    @Description("Task id")
    String getId();

    @Description("Bundle directory")
    String getBundle();

    @Description("Whether the task runs in a host (sandbox) of its own")
    boolean isIsolated();

    @Description("Process id of the init exec; 0 before start")
    int getPid();

    @Description("State of the init exec: created, running or exited")
    String getStatus();

    @Description("Ids of the additional execs")
    List<String> getExecIds();

    @Description("Processor time used by the task's processes, in 100 ns units (0 when none runs)")
    long getCpuTime100ns();

    @Description("Memory in use by the task's processes, in bytes (0 when none runs)")
    long getMemoryBytes();

    @Description("Number of processes in the task (0 when none runs)")
    long getProcessCount();
}
