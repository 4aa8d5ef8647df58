package io.hatchway.mbeans;

/**
 * One exec, {@code hatchway:type=Exec,task=<taskId>,name=<execId>}; the init exec is registered
 * under the task id. States {@code created → running → exited}, no other transitions (CONTRACT.md).
 * A new exec has pid 0, exit status 255 and an empty exit time. Errors as on {@link TaskMXBean}.
 * Thread-safe: operations on one exec are serialized; attribute reads never wait for them (they
 * read the exec's last state, even while a start or kill waits for the runtime).
 */
@Description("An exec (process) of a task")
public interface ExecMXBean {

    /** As {@link TaskMXBean#start} for this exec. */
    @Description("Starts the exec if created; returns its pid")
    int start();

    /** As {@link TaskMXBean#killExec} without {@code all}. */
    @Description("Signals the exec; a created exec becomes exited with status 1")
    void kill(@Description("Signal number, 1-31 on Linux") int signal);

    /** Blocks until this one process exits, at most {@code timeoutMillis}; expiry → DeadlineExceeded. */
    @Description("Waits until the exec has exited; bounded by timeoutMillis")
    ExitStatus waitFor(@Description("Longest wait in milliseconds, 0 to 3600000") long timeoutMillis);

    @Description("Resizes the exec's terminal")
    void resizePty(@Description("Columns") int width, @Description("Rows") int height);

    @Description("Closes the exec's standard input")
    void closeIO(@Description("Close standard input") boolean stdin);

    @Description("Exec id (the task id for the init exec)")
    String getId();

    @Description("Id of the task the exec belongs to")
    String getTaskId();

    @Description("created, running or exited")
    String getState();

    @Description("Process id; 0 before start")
    int getPid();

    @Description("Exit status; 255 until exited, 128+N after a death by signal N")
    long getExitStatus();

    @Description("Exit time, ISO-8601; empty until exited")
    String getExitedAt();

    @Description("Whether the exec has a terminal")
    boolean isTerminal();

    @Description("Standard output kept by Hatchway (last 1 MiB); empty when the process named its own stdout file")
    String getStdout();

    @Description("Standard error kept by Hatchway (last 1 MiB); empty when the process named its own stderr file")
    String getStderr();

    /** How many lines {@link #getStdoutLines()} and {@link #getStderrLines()} hold at most. */
    int LATEST_LINES = 100;

    @Description("The last " + LATEST_LINES + " lines of Stdout, newest last, one per element (JConsole and Hawtio show one per row)")
    String[] getStdoutLines();

    @Description("The last " + LATEST_LINES + " lines of Stderr, newest last, one per element (JConsole and Hawtio show one per row)")
    String[] getStderrLines();
}
