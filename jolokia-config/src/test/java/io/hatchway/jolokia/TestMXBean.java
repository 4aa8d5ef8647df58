package io.hatchway.jolokia;

/** A small MXBean under {@code hatchway:type=Test}: something to read, write, invoke and listen to. */
public interface TestMXBean {
    String getName();

    void setName(String name);

    String echo(String text);

    /** Throws an IllegalStateException with {@code message}, as Hatchway's operations report errors. */
    void fail(String message);

    /** The name of the thread running this operation, and " daemon" when it is one. */
    String currentThread();

    /**
     * Sends a notification of type {@value TestBean#ANNOUNCEMENT} with {@code message}; answers how
     * many listeners it reached (each listener added through an MBean server is one).
     */
    int announce(String message);

    /**
     * Blocks as a Task's {@code waitExec} does (and is named so): until {@link #release()} or
     * {@code timeoutMillis}; answers "released", "timeout" or "interrupted".
     */
    String waitExec(String execId, long timeoutMillis);

    /** Ends every {@code waitExec} in progress, as {@code killExec} ends the waits on an exec; answers how many. */
    int release();

    /** How many {@code waitExec} calls are blocked now. */
    int getWaiting();
}
