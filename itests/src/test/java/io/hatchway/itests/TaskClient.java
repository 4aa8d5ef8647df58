package io.hatchway.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.awaitility.core.ConditionTimeoutException;

/**
 * What a JMX user does with Hatchway, spelled the way they would spell it: operation and attribute
 * names as strings, composite data fields by name, over one {@link MBeanServerConnection}. Every
 * process it has a task start is marked ({@link #MARKER}) so a test can check none is left behind.
 */
final class TaskClient {
    static final String EMPTY_OPTIONS = "";
    static final int SIGKILL = 9;
    /** Long enough for any test; the tests stop their processes long before. */
    static final String SLEEP = "sleep 600";
    /** For blocking calls that are expected to return: bounded, but far above what they need. */
    static final long WAIT_MILLIS = 20_000;

    /**
     * Every process of every task this test run starts carries this variable in its environment
     * (children inherit it), so the processes a task leaves behind are found even when they left
     * its process tree.
     */
    static final String MARKER = "HATCHWAY_ITESTS_RUN=" + UUID.randomUUID();

    private final MBeanServerConnection jmx;

    TaskClient(MBeanServerConnection jmx) {
        this.jmx = jmx;
    }

    MBeanServerConnection jmx() {
        return jmx;
    }

    static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectName task(String taskId) {
        return name("hatchway:type=Task,name=" + taskId);
    }

    static ObjectName exec(String taskId, String execId) {
        return name("hatchway:type=Exec,task=" + taskId + ",name=" + execId);
    }

    /** An OCI process JSON running {@code script} with {@code /bin/sh -c}. */
    static String process(String script) {
        return "{\"args\":[\"/bin/sh\",\"-c\",\"" + script.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + MARKER + "\"],\"cwd\":\"/\"}";
    }

    /** A bundle directory whose init process runs {@code script}. */
    static Path bundle(Path dir, String script) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"),
                "{\"ociVersion\":\"1.0.2\",\"process\":" + process(script) + "}");
        return dir;
    }

    // --- operations, as a JMX user invokes them ---

    void createTask(String taskId, Path bundle) throws Exception {
        assertEquals(0, invoke(ChildJvm.TASK_SERVICE, "createTask", taskId, bundle.toString(), EMPTY_OPTIONS),
                "createTask returns pid 0: the init exec is created, not started");
    }

    /** A task whose init exec runs {@code sleep 600}, started. @return the init pid */
    int startedTask(String taskId, Path bundleDir) throws Exception {
        createTask(taskId, bundle(bundleDir, SLEEP));
        return start(taskId, "");
    }

    void createExec(String taskId, String execId, String script) throws Exception {
        invoke(task(taskId), "createExec", execId, process(script));
    }

    int start(String taskId, String execId) throws Exception {
        return (Integer) invoke(task(taskId), "start", execId);
    }

    CompositeData state(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "state", execId);
    }

    String status(String taskId, String execId) throws Exception {
        return (String) state(taskId, execId).get("status");
    }

    void killExec(String taskId, String execId, int signal, boolean all) throws Exception {
        invoke(task(taskId), "killExec", execId, signal, all);
    }

    CompositeData waitExec(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "waitExec", execId, WAIT_MILLIS);
    }

    CompositeData deleteExec(String taskId, String execId) throws Exception {
        return (CompositeData) invoke(task(taskId), "deleteExec", execId);
    }

    /** {@code pids()}: every process of the task. */
    CompositeData[] pids(String taskId) throws Exception {
        return (CompositeData[]) invoke(task(taskId), "pids");
    }

    /** Kills the whole task and deletes it, as a user cleaning up would. */
    void killAndDelete(String taskId) throws Exception {
        killExec(taskId, "", SIGKILL, true);
        waitExec(taskId, "");
        deleteExec(taskId, "");
    }

    Object invoke(ObjectName mbean, String operation, Object... arguments) throws Exception {
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

    Object attribute(ObjectName mbean, String attribute) throws Exception {
        return jmx.getAttribute(mbean, attribute);
    }

    /**
     * Invokes an operation that must fail with {@code kind}, and returns the message the JMX client
     * sees. The failure must reach the client as a plain {@code java.*} exception (a remote client
     * cannot load Hatchway's classes) whose message starts with {@code <kind>: }.
     */
    String failure(String kind, ObjectName mbean, String operation, Object... arguments) throws IOException {
        try {
            Object result = invoke(mbean, operation, arguments);
            return fail(operation + " on " + mbean + " should fail with " + kind + " but returned " + result);
        } catch (JMException | RuntimeException e) { // RuntimeMBeanException, MBeanException
            Throwable cause = e.getCause();
            assertTrue(cause != null && cause.getClass().getName().startsWith("java."),
                    operation + ": the client must see a java.* exception, got " + e + " caused by " + cause);
            assertTrue(cause.getMessage().startsWith(kind + ": "),
                    operation + ": message must start with '" + kind + ": ' but was: " + cause.getMessage());
            return cause.getMessage();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            return fail(operation + ": unexpected " + e, e);
        }
    }

    /** Every MBean of the {@code hatchway} domain, sorted. */
    Set<String> hatchwayMBeans() throws IOException {
        return canonical(jmx.queryNames(name("hatchway:*"), null));
    }

    /** The Task and Exec MBeans of one task. */
    Set<String> mbeansOf(String taskId) throws IOException {
        Set<String> names = new TreeSet<>();
        names.addAll(canonical(jmx.queryNames(task(taskId), null)));
        names.addAll(canonical(jmx.queryNames(name("hatchway:type=Exec,task=" + taskId + ",*"), null)));
        return names;
    }

    static Set<String> canonical(Set<ObjectName> names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(n.getCanonicalName()));
        return out;
    }

    // --- processes ---

    /** Handles of the processes {@code pids()} reported, to check later that they ended. */
    static List<ProcessHandle> handles(CompositeData[] pids) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (CompositeData p : pids) {
            ProcessHandle.of((Integer) p.get("processId")).ifPresent(handles::add);
        }
        return handles;
    }

    /** Ended: not alive (the handle knows its start time, so a reused pid is not mistaken for it) or a zombie. */
    static boolean ended(ProcessHandle process) {
        try {
            return !process.isAlive() || zombie(Path.of("/proc", Long.toString(process.pid())));
        } catch (IOException e) {
            return true;
        }
    }

    /** Processes started by this test run's tasks that still run: {@code pid command line}. */
    static List<String> leftoverProcesses() {
        List<String> left = new ArrayList<>();
        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                try {
                    if (contains(Files.readAllBytes(dir.resolve("environ")), marker) && !zombie(dir)) {
                        left.add(dir.getFileName() + " " + Files.readString(dir.resolve("cmdline")).replace('\0', ' ').trim());
                    }
                } catch (IOException e) { // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return left;
    }

    /**
     * Waits (bounded) until no process any task started is left. Whatever is left is killed so it
     * cannot outlive the test run, and the test fails naming it.
     */
    static void assertNoProcessLeft() {
        try {
            await("processes started by tasks to be gone").atMost(ChildJvm.TIMEOUT)
                    .until(() -> leftoverProcesses().isEmpty());
        } catch (ConditionTimeoutException e) {
            List<String> left = leftoverProcesses();
            for (String process : left) {
                ProcessHandle.of(Long.parseLong(process.substring(0, process.indexOf(' '))))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            fail("processes left behind: " + left);
        }
    }

    /** A zombie has ended; only its parent has not collected it yet. */
    private static boolean zombie(Path procDir) throws IOException {
        String stat = Files.readString(procDir.resolve("stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state == 'Z' || state == 'X';
    }

    private static boolean contains(byte[] environ, byte[] entry) {
        outer:
        for (int i = 0; i + entry.length <= environ.length; i++) {
            if (i > 0 && environ[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < entry.length; j++) {
                if (environ[i + j] != entry[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
