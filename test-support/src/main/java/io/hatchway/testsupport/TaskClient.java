package io.hatchway.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * What a JMX user does with Hatchway, spelled the way they would spell it: operation and attribute
 * names as strings, composite data fields by name, over one {@link MBeanServerConnection}. Every
 * process it has a task start is marked ({@link #MARKER}) so a test can check none is left behind.
 */
public final class TaskClient {
    public static final ObjectName TASK_SERVICE = name("hatchway:type=TaskService");
    /** How long the processes of a deleted task get to be gone. */
    public static final Duration PROCESS_END = Duration.ofSeconds(30);
    public static final String EMPTY_OPTIONS = "";
    public static final int SIGKILL = 9;
    /** Long enough for any test; the tests stop their processes long before. */
    public static final String SLEEP = "sleep 600";
    /** For blocking calls that are expected to return: bounded, but far above what they need. */
    public static final long WAIT_MILLIS = 20_000;

    /**
     * Every process of every task this test run starts carries this variable in its environment
     * (children inherit it), so the processes a task leaves behind are found even when they left
     * its process tree.
     */
    public static final String MARKER = "HATCHWAY_ITESTS_RUN=" + UUID.randomUUID();

    private final MBeanServerConnection jmx;

    public TaskClient(MBeanServerConnection jmx) {
        this.jmx = jmx;
    }

    public MBeanServerConnection jmx() {
        return jmx;
    }

    public static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static ObjectName task(String taskId) {
        return name("hatchway:type=Task,name=" + taskId);
    }

    public static ObjectName exec(String taskId, String execId) {
        return name("hatchway:type=Exec,task=" + taskId + ",name=" + execId);
    }

    /** An OCI process JSON running {@code script} with {@code /bin/sh -c}. */
    public static String process(String script) {
        return "{\"args\":[\"/bin/sh\",\"-c\",\"" + script.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + MARKER + "\"],\"cwd\":\"/\"}";
    }

    /** A bundle directory whose init process runs {@code script}. */
    public static Path bundle(Path dir, String script) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"),
                "{\"ociVersion\":\"1.0.2\",\"process\":" + process(script) + "}");
        return dir;
    }

    // --- operations, as a JMX user invokes them ---

    public void createTask(String taskId, Path bundle) throws Exception {
        assertEquals(0, invoke(TASK_SERVICE, "createTask", taskId, bundle.toString(), EMPTY_OPTIONS),
                "createTask returns pid 0: the init exec is created, not started");
    }

    /** A task whose init exec runs {@code sleep 600}, started. @return the init pid */
    public int startedTask(String taskId, Path bundleDir) throws Exception {
        createTask(taskId, bundle(bundleDir, SLEEP));
        return start(taskId, "");
    }

    public void createExec(String taskId, String execId, String script) throws Exception {
        invoke(task(taskId), "createExec", execId, process(script));
    }

    public int start(String taskId, String execId) throws Exception {
        return (Integer) invoke(task(taskId), "start", execId);
    }

    public CompositeData state(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "state", execId);
    }

    public String status(String taskId, String execId) throws Exception {
        return (String) state(taskId, execId).get("status");
    }

    public void killExec(String taskId, String execId, int signal, boolean all) throws Exception {
        invoke(task(taskId), "killExec", execId, signal, all);
    }

    public CompositeData waitExec(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "waitExec", execId, WAIT_MILLIS);
    }

    public CompositeData deleteExec(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "deleteExec", execId);
    }

    /** {@code pids()}: every process of the task. */
    public CompositeData[] pids(String taskId) throws Exception {
        return (CompositeData[]) invoke(task(taskId), "pids");
    }

    /** Kills the whole task and deletes it, as a user cleaning up would. */
    public void killAndDelete(String taskId) throws Exception {
        killExec(taskId, "", SIGKILL, true);
        waitExec(taskId, "");
        deleteExec(taskId, "");
    }

    public Object invoke(ObjectName mbean, String operation, Object... arguments) throws Exception {
        String[] signature = new String[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            signature[i] = switch (arguments[i].getClass().getSimpleName()) {
                case "Integer" -> "int";
                case "Long" -> "long";
                case "Boolean" -> "boolean";
                default -> arguments[i].getClass().getName();
            };
        }
        return jmx.invoke(mbean, operation, arguments, signature);
    }

    public Object attribute(ObjectName mbean, String attribute) throws Exception {
        return jmx.getAttribute(mbean, attribute);
    }

    /**
     * Invokes an operation that must fail with {@code kind}, and returns the message the JMX client
     * sees. The failure must reach the client as a plain {@code java.*} exception (a remote client
     * cannot load Hatchway's classes) whose message starts with {@code <kind>: } and shows no Java
     * ({@link ErrorText}).
     */
    public String failure(String kind, ObjectName mbean, String operation, Object... arguments) throws IOException {
        try {
            Object result = invoke(mbean, operation, arguments);
            return fail(operation + " on " + mbean + " should fail with " + kind + " but returned " + result);
        } catch (JMException | RuntimeException e) { // RuntimeMBeanException, MBeanException
            Throwable cause = e.getCause();
            assertTrue(cause != null && cause.getClass().getName().startsWith("java."),
                    operation + ": the client must see a java.* exception, got " + e + " caused by " + cause);
            assertTrue(cause.getMessage().startsWith(kind + ": "),
                    operation + ": message must start with '" + kind + ": ' but was: " + cause.getMessage());
            ErrorText.assertInWords(cause.getMessage());
            return cause.getMessage();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            return fail(operation + ": unexpected " + e, e);
        }
    }

    /** Every MBean of the {@code hatchway} domain, sorted. */
    public Set<String> hatchwayMBeans() throws IOException {
        return canonical(jmx.queryNames(name("hatchway:*"), null));
    }

    /** The Task and Exec MBeans of one task. */
    public Set<String> mbeansOf(String taskId) throws IOException {
        Set<String> names = new TreeSet<>();
        names.addAll(canonical(jmx.queryNames(task(taskId), null)));
        names.addAll(canonical(jmx.queryNames(name("hatchway:type=Exec,task=" + taskId + ",*"), null)));
        return names;
    }

    public static Set<String> canonical(Set<ObjectName> names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(n.getCanonicalName()));
        return out;
    }

    // --- processes ---

    /** Handles of the processes {@code pids()} reported, to check later that they ended. */
    public static List<ProcessHandle> handles(CompositeData[] pids) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (CompositeData p : pids) {
            ProcessHandle.of((Integer) p.get("processId")).ifPresent(handles::add);
        }
        return handles;
    }

    /** Processes started by this test run's tasks that still run. */
    public static List<Leftovers.LiveProcess> leftoverProcesses() {
        return Leftovers.processesWithEnv(MARKER);
    }

    /**
     * Waits (bounded) until no process any task started is left. Whatever is left is killed so it
     * cannot outlive the test run, and the test fails naming it.
     */
    public static void assertNoProcessLeft() {
        Leftovers.awaitNoProcess("processes started by tasks", PROCESS_END, TaskClient::leftoverProcesses);
    }
}
