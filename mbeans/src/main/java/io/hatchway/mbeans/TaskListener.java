package io.hatchway.mbeans;

/**
 * What a task's state machine tells the world around it: its events, and the moments its execs and
 * itself come and go, so that MBeans, the registry and event subscribers follow. A task calls these
 * while it holds the monitor of the exec concerned, so for one exec they come in contract order;
 * an implementation must not call back into that exec's transitions.
 */
interface TaskListener {

    /** An event of CONTRACT.md, in order for each exec. */
    void event(Task task, Event event);

    /**
     * {@code exec} is added to its task: called before it is stored or announced ({@code
     * exec-added} follows). Throwing refuses the add, and nothing of the exec is kept.
     */
    void execAdded(Exec exec);

    /** A deleted exec: its {@code delete} event is sent; its files and id are released after this returns. */
    void execDeleted(Exec exec);

    /** A deleted task: its {@code delete} event is sent; its execs, files and id are released after this returns. */
    void taskDeleted(Task task);

    /** The last step of a task's delete: everything else is released, its id may be reused now. */
    void taskReleased(Task task);
}
