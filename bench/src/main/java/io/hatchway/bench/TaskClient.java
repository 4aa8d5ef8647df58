package io.hatchway.bench;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/** Hatchway's task operations over a JMX connection, with the signatures of SPEC.md (open types only). */
final class TaskClient {
    static final ObjectName SERVICE = name("hatchway:type=TaskService");

    private final MBeanServerConnection jmx;

    TaskClient(MBeanServerConnection jmx) {
        this.jmx = jmx;
    }

    static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectName task(String id) {
        return name("hatchway:type=Task,name=" + id);
    }

    int createTask(String id, String bundle, String options) throws Exception {
        return (Integer) jmx.invoke(SERVICE, "createTask", new Object[] {id, bundle, options},
                new String[] {"java.lang.String", "java.lang.String", "java.lang.String"});
    }

    void createExec(String task, String execId, String processJson) throws Exception {
        jmx.invoke(task(task), "createExec", new Object[] {execId, processJson},
                new String[] {"java.lang.String", "java.lang.String"});
    }

    int start(String task, String execId) throws Exception {
        return (Integer) jmx.invoke(task(task), "start", new Object[] {execId}, new String[] {"java.lang.String"});
    }

    CompositeData waitExec(String task, String execId, long timeoutMillis) throws Exception {
        return (CompositeData) jmx.invoke(task(task), "waitExec", new Object[] {execId, timeoutMillis},
                new String[] {"java.lang.String", "long"});
    }

    CompositeData deleteExec(String task, String execId) throws Exception {
        return (CompositeData) jmx.invoke(task(task), "deleteExec", new Object[] {execId},
                new String[] {"java.lang.String"});
    }

    void killExec(String task, String execId, int signal, boolean all) throws Exception {
        jmx.invoke(task(task), "killExec", new Object[] {execId, signal, all},
                new String[] {"java.lang.String", "int", "boolean"});
    }

    CompositeData stats(String task) throws Exception {
        return (CompositeData) jmx.invoke(task(task), "stats", new Object[0], new String[0]);
    }

    Object[] pids(String task) throws Exception {
        return (Object[]) jmx.invoke(task(task), "pids", new Object[0], new String[0]);
    }

    String[] taskIds() throws Exception {
        return (String[]) jmx.getAttribute(SERVICE, "TaskIds");
    }

    /** The exec round trip of the benchmark: createExec, start, waitExec, deleteExec. @return its exit status */
    long execRoundTrip(String task, String execId, String processJson) throws Exception {
        createExec(task, execId, processJson);
        start(task, execId);
        CompositeData exit = waitExec(task, execId, 60_000);
        deleteExec(task, execId);
        return (Long) exit.get("exitStatus");
    }

    /** Kills the task's every process, waits for its teardown, deletes it; quietly when it is gone already. */
    void deleteTask(String task) throws Exception {
        try {
            killExec(task, "", 9, true);
        } catch (Exception e) { // exited already: delete still applies
        }
        try {
            waitExec(task, "", 60_000);
        } catch (Exception e) { // not found or not running
        }
        deleteExec(task, "");
    }
}
