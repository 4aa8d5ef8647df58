package io.hatchway.mbeans;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * One test's Hatchway: a TaskService on a real backend ({@link Backend}), registered in an
 * MBeanServer of its own, with a state directory under the test's temp directory. Tests talk to it
 * the way a JMX client does, through MXBean proxies, so errors arrive as {@code java.*} exceptions.
 * A test writes a process as its args; {@link #bundle} makes a bundle of it that fits the backend.
 *
 * <p>{@link #close()} deletes what is left through the contract's own operations (kill all, wait,
 * delete), closes the service and then fails the test if anything outlived it: a process started
 * by the test, a {@code hatchway-*} thread, a {@code hatchway} MBean, and what the backend's profile
 * names ({@link Backend#leftovers}; on runc a container in Hatchway's runc root, a cgroup of one of
 * the test's tasks, a mount under the state directory, a conmon working for it or a zombie child of
 * the JVM, which is then removed, so that one test's leak does not fail the next).
 */
final class TaskFixture implements AutoCloseable {
    /** Short bounds so a broken teardown fails a test quickly instead of hanging it. */
    static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(2));
    /** Bound of every wait a test makes on a process that is expected to end. */
    static final long WAIT_MILLIS = 10_000;
    static final Duration WAIT = Duration.ofMillis(WAIT_MILLIS);
    /** How long a test watches a process that must not exit, e.g. after a signal it ignores. */
    static final long QUIET_MILLIS = 300;

    static final int SIGKILL = 9;
    static final int SIGUSR1 = 10;
    static final int SIGTERM = 15;

    final Backend backend;
    final Path stateDir;
    final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final Timeouts timeouts;
    private final UnaryOperator<ComputeBackend> around;
    TaskService service;
    TaskServiceMXBean serviceMBean;
    private final Path bundles;
    /** Every task id the test used: created through {@link #create} or announced by a create event. */
    private final Set<String> taskIds = new TreeSet<>();
    /** What the service MBean sent: one log per service the fixture started ({@link #restart()}). */
    private final List<EventLog> events = new ArrayList<>();
    /** Processes an earlier test left, so that only this test's leaks fail this test. */
    private final Set<Long> leftBefore = testProcesses();

    TaskFixture(Backend backend, Path tempDir) {
        this(backend, tempDir, TIMEOUTS);
    }

    TaskFixture(Backend backend, Path tempDir, Timeouts timeouts) {
        this(backend, tempDir, timeouts, UnaryOperator.identity());
    }

    /** A Hatchway whose backend is {@code around} the real one, e.g. a {@link SlowRuntime}. */
    TaskFixture(Backend backend, Path tempDir, Timeouts timeouts, UnaryOperator<ComputeBackend> around) {
        backend.assumeUsable();
        this.backend = backend;
        this.stateDir = tempDir.resolve("state");
        this.bundles = tempDir.resolve("bundles");
        this.timeouts = timeouts;
        this.around = around;
        startService();
    }

    private void startService() {
        service = new TaskService(around.apply(backend.open(stateDir)), stateDir, server, timeouts);
        service.start();
        serviceMBean = JMX.newMXBeanProxy(server, TaskService.NAME, TaskServiceMXBean.class, true);
        events.add(EventLog.subscribe(server, TaskService.NAME));
    }

    /** Every event the service MBean sent, over every service the fixture started, in order. */
    List<EventLog.Received> serviceEvents() {
        return events.stream().flatMap(log -> log.events().stream()).toList();
    }

    /**
     * The agent's stop and a new start on the same state directory: the service closes (its MBeans
     * go, the tasks' processes keep running) and a new one recovers what the backend finds again.
     */
    void restart() {
        service.close();
        startService();
    }

    /**
     * Whether {@code pid}, a process of {@code task}, is alive: on the host, or where the host cannot
     * see it ({@link Backend.Facts#guestProcesses}) in the task's own list of its processes.
     */
    boolean alive(TaskMXBean task, long pid) {
        return backend.facts.guestProcesses().isEmpty() ? ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                : task.pids().stream().anyMatch(process -> process.getProcessId() == pid);
    }

    /** Writes a bundle for {@code taskId} whose init process runs {@code args}. */
    Path bundle(String taskId, String... args) {
        return bundle(taskId, Bundles.processNode(args));
    }

    /** Writes a bundle for {@code taskId} whose init process is {@code process}. */
    Path bundle(String taskId, ObjectNode process) {
        return backend.writeBundle(bundleDir(taskId), process);
    }

    /** Where {@link #bundle} writes the bundle of {@code taskId}. */
    Path bundleDir(String taskId) {
        return bundles.resolve(taskId).toAbsolutePath();
    }

    /** Creates task {@code taskId} (init exec created, not started) through the service MBean. */
    TaskMXBean create(String taskId, String... initArgs) {
        return create(taskId, bundle(taskId, initArgs));
    }

    /** Creates task {@code taskId} from {@code bundle} through the service MBean. */
    TaskMXBean create(String taskId, Path bundle) {
        taskIds.add(taskId);
        assertEquals(0, serviceMBean.createTask(taskId, bundle.toString(), backend.taskOptions()));
        return task(taskId);
    }

    /**
     * The signal that makes an init exec running a plain command die of {@code signal}: that
     * signal, except where the init exec is pid 1 of the container ({@link Backend#initIsPidOne}),
     * which only SIGKILL ends. Tests that need the init exec to die of a signal, not of that very
     * signal, send this one and expect 128 plus it.
     */
    int signalEndingInit(int signal) {
        return backend.initIsPidOne() ? SIGKILL : signal;
    }

    /** A task whose init exec is running a long sleep. */
    TaskMXBean started(String taskId) {
        return started(taskId, Bundles.longRunning());
    }

    TaskMXBean started(String taskId, String... initArgs) {
        TaskMXBean task = create(taskId, initArgs);
        task.start("");
        return task;
    }

    /** The Task MBean of {@code taskId}, as a JMX client holds it. */
    TaskMXBean task(String taskId) {
        return JMX.newMXBeanProxy(server, TaskService.taskName(taskId), TaskMXBean.class);
    }

    /** The Exec MBean of an exec; {@code ""} is the init exec (registered under the task id). */
    ExecMXBean exec(String taskId, String execId) {
        return JMX.newMXBeanProxy(server, TaskService.execName(taskId, execId.isEmpty() ? taskId : execId),
                ExecMXBean.class);
    }

    /** Adds {@code execIds} to a task, all running {@code args}; they stay created. */
    static void addExecs(TaskMXBean task, String[] args, String... execIds) {
        for (String execId : execIds) {
            task.createExec(execId, Bundles.process(args));
        }
    }

    /** Adds and starts {@code execIds}, all running a long sleep. */
    static void startExecs(TaskMXBean task, String... execIds) {
        addExecs(task, Bundles.longRunning(), execIds);
        for (String execId : execIds) {
            task.start(execId);
        }
    }

    /** A bounded wait that polls often: tests wait for processes that end within milliseconds. */
    static ConditionFactory eventually(String what) {
        return await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    /** Waits, bounded, until the exec has exited; for {@code ""} until the task is torn down. */
    static ExitStatus awaitExit(TaskMXBean task, String execId) {
        return task.waitExec(execId, WAIT_MILLIS);
    }

    /** Checks that the exec (for {@code ""} the task) is still running {@link #QUIET_MILLIS} later. */
    static void assertStillRunning(TaskMXBean task, String execId) {
        Errors.assertKind(ErrorKind.DeadlineExceeded, () -> task.waitExec(execId, QUIET_MILLIS));
        assertEquals("running", status(task, execId));
    }

    /** Waits, bounded, until an exec has written {@code text} to its stdout, e.g. that it is ready. */
    void awaitStdout(String taskId, String execId, String text) {
        backend.assumeStdio();
        ExecMXBean exec = exec(taskId, execId);
        eventually(taskId + "/" + execId + " writes '" + text + "'").until(() -> exec.getStdout().contains(text));
    }

    static String status(TaskMXBean task, String execId) {
        return task.state(execId).getStatus();
    }

    Set<ObjectName> hatchwayMBeans() {
        return server.queryNames(pattern(TaskService.DOMAIN + ":*"), null);
    }

    /** Everything a failed call must leave as it was. */
    record Snapshot(List<String> taskIds, Set<ObjectName> mbeans, Set<String> files, Set<Long> processes) {
    }

    /** Runs {@code call}, checks it fails with {@code kind} and that nothing changed; returns the message. */
    String assertRefused(ErrorKind kind, Executable call) {
        Snapshot before = snapshot();
        String message = Errors.assertKind(kind, call);
        assertEquals(before, snapshot(), "a refused call changed something");
        return message;
    }

    Snapshot snapshot() {
        return new Snapshot(serviceMBean.getTaskIds().stream().sorted().toList(), hatchwayMBeans(), files(),
                testProcesses());
    }

    /**
     * The state directory's files, without the deleted execs' directories that are being removed
     * after their delete answered (ExecFiles' graves: they go by themselves, whatever the call).
     */
    private Set<String> files() {
        if (!Files.exists(stateDir)) {
            return Set.of();
        }
        Set<String> files = new TreeSet<>();
        try {
            Files.walkFileTree(stateDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (ExecFiles.isGrave(dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    files.add(dir.toString());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    files.add(file.toString());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) { // a grave's, gone meanwhile
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Live processes this JVM started (the tests are the only ones starting any). */
    static Set<Long> liveDescendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Processes the tests started: this JVM's descendants and, wherever they went, the marked ones. */
    static Set<Long> testProcesses() {
        Set<Long> processes = liveDescendants();
        processes.addAll(markedProcesses());
        return processes;
    }

    /** Whether {@code pid} is a running process; a zombie has exited, whoever will reap it. */
    static boolean isRunning(long pid) {
        return Leftovers.running(pid);
    }

    /** Live processes carrying {@link Bundles#MARKER}: every process a test started, orphans included. */
    static Set<Long> markedProcesses() {
        return Leftovers.processesWithEnv(Bundles.MARKER).stream().map(Leftovers.LiveProcess::pid)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static List<Thread> hatchwayThreads() {
        return Leftovers.threadsNamed("hatchway-");
    }

    /**
     * The hatchway-* threads but idle workers of a pool whose threads expire: the process
     * backend's reapers and the background pool (see {@code ComputeThreads.pool}) wait out a
     * one-second keep-alive and then end on their own. Each test checks these, not to spend that
     * second; {@link #awaitNoHatchwayThread()} waits for all.
     */
    static List<Thread> workingHatchwayThreads() {
        return Leftovers.workingThreadsNamed("hatchway-");
    }

    /** Waits, bounded, until no hatchway-* thread is left, idle ones included. */
    static void awaitNoHatchwayThread() {
        eventually("every hatchway-* thread ends").until(() -> hatchwayThreads().isEmpty());
    }

    /**
     * Deletes every task left through the contract (kill all with SIGKILL, task-level wait, delete
     * of the init exec), closes the service, then checks that nothing outlived it.
     */
    @Override
    public void close() {
        List<Throwable> failures = new ArrayList<>();
        for (String taskId : service.getTaskIds()) {
            try {
                delete(task(taskId));
            } catch (RuntimeException | AssertionError e) {
                failures.add(e);
            }
        }
        service.close();
        try {
            eventually("no process started by the test is left, orphans included")
                    .until(() -> leftBefore.containsAll(testProcesses()));
            eventually("no hatchway-* thread is left working after TaskService.close()")
                    .until(() -> workingHatchwayThreads().isEmpty());
            assertEquals(Set.of(), hatchwayMBeans(), "hatchway MBeans registered after TaskService.close()");
        } catch (RuntimeException | AssertionError e) {
            failures.add(e);
        }
        serviceEvents().stream().filter(e -> e.type().equals("hatchway.task.create"))
                .forEach(e -> taskIds.add((String) e.get("taskId")));
        backend.leftovers(stateDir, taskIds).ifPresent(failures::add);
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("the test left something behind");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }

    /**
     * After a backend's suite: nothing of any of its tests is left, looked at once more now that
     * every test is done (a test's own check runs before its temp directory goes).
     */
    static void assertNothingLeftOfTheSuite(Backend backend) throws IOException {
        backend.assertNothingLeftOfTheSuite();
        awaitNoHatchwayThread();
    }

    /** A task's end through the contract: kill all unless the init exec has exited, wait, delete. */
    static DeleteResult delete(TaskMXBean task) {
        if (!status(task, "").equals("exited")) {
            task.killExec("", SIGKILL, true);
        }
        awaitExit(task, "");
        return task.deleteExec("");
    }

    static ObjectName pattern(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
