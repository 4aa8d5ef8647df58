package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task service, {@code hatchway:type=TaskService}: creates tasks on one {@link ComputeBackend}
 * and puts together what serves them: the registry of tasks ({@link Tasks}), their MBeans in one
 * {@link MBeanServer} (and, once {@link #mirrorInto mirrored}, in a second one in step: {@link
 * TaskMBeans}), their events ({@link EventFanOut}), the tasks found again at start ({@link
 * Recovery}) and the bound on kept output ({@link OutputCaps}), all on the {@link TaskThreads} it is
 * given.
 *
 * <p>Lifecycle: {@link #start()} registers {@code hatchway:type=TaskService}; {@link #close()}
 * unregisters every Hatchway MBean, closes the threads and the backend. Tasks' processes are not
 * touched by {@code close}: they keep running (delete them first to stop them). Thread-safe.
 */
public final class TaskService implements TaskServiceMXBean, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskService.class);
    public static final String DOMAIN = "hatchway";
    public static final ObjectName NAME = objectName(DOMAIN + ":type=TaskService");

    private final ComputeBackend backend;
    private final Path tasksDir;
    private final Timeouts timeouts;
    private final TaskThreads threads;
    private final Tasks tasks = new Tasks();
    private final EventFanOut events = new EventFanOut();
    private final TaskMBeans mbeans;
    private final TaskContext context;
    private volatile String jolokiaUrl = "";

    /** A service on threads of its own. */
    public TaskService(ComputeBackend backend, Path stateDir, MBeanServer server, Timeouts timeouts) {
        this(backend, stateDir, server, timeouts, new TaskThreads());
    }

    /**
     * @param backend where tasks run; closed with the service
     * @param stateDir where each task's directory ({@code tasks/<id>}) lives
     * @param server Hatchway's own MBean server
     * @param threads what tasks work on; closed with the service
     */
    public TaskService(ComputeBackend backend, Path stateDir, MBeanServer server, Timeouts timeouts,
            TaskThreads threads) {
        this.backend = Objects.requireNonNull(backend);
        this.tasksDir = stateDir.resolve("tasks");
        this.timeouts = Objects.requireNonNull(timeouts);
        this.threads = Objects.requireNonNull(threads);
        this.mbeans = new TaskMBeans(server, events);
        this.context = new TaskContext(new Listener(), threads.executor(), threads.scheduler(), timeouts);
    }

    /**
     * Registers {@code hatchway:type=TaskService}, starts bounding the kept output, and re-registers
     * the tasks the backend finds again from a previous run ({@link Recovery}).
     *
     * @throws IllegalStateException AlreadyExists when a TaskService is registered already
     */
    public void start() {
        mbeans.registerService(this);
        try { // the parent of every task's directory exists for the service's life, not per task
            Files.createDirectories(tasksDir);
        } catch (IOException e) {
            mbeans.unregisterService();
            throw ErrorKind.Unavailable.error("stateDir '%s': %s", tasksDir.getParent(),
                    HatchwayException.reason(e));
        }
        OutputCaps.schedule(threads.scheduler(), tasks);
        Recovery.recover(backend, tasksDir, context, tasks, mbeans);
    }

    /**
     * An id whose task is being deleted is free once that delete has released it (bounded, by the
     * delete teardown timeout): the create waits for that, so no clean-up of the old task can ever
     * touch the new one. The create event is sent before anything can reach the new task.
     */
    @Override
    public int createTask(String id, String bundlePath, String optionsJson) {
        Ids.check(id, "task id");
        tasks.claim(id, timeouts.deleteTeardown());
        Task task = null;
        Path taskDir = tasksDir.resolve(id);
        try {
            Bundle bundle = Bundle.load(bundlePath);
            TaskOptions options = TaskOptions.parse(optionsJson, backend.optionKeys());
            task = Task.create(context, id, bundle, taskDir, stdio -> backend.create(id, bundle, options, stdio));
            synchronized (task.init()) { // nothing can start or delete the task before its create event
                mbeans.register(task);
                tasks.add(task);
                events.send(task, Event.create(id, bundle.toString()));
            }
            return 0;
        } catch (RuntimeException e) {
            if (task != null) { // nothing half-made stays behind
                task.system().terminate();
                try {
                    task.system().close();
                } catch (RuntimeException closing) {
                    log.warn("task '{}': removing the half-made task: {}", id, closing.getMessage());
                }
            }
            ExecFiles.deleteTree(taskDir);
            throw e;
        } finally {
            tasks.unclaim(id);
        }
    }

    /** @throws io.hatchway.hcs.HatchwayException NotFound {@code task with id: '<id>' not found} */
    public Task task(String id) {
        return tasks.get(id);
    }

    @Override
    public List<String> getTaskIds() {
        return tasks.ids();
    }

    @Override
    public String getBackend() {
        return backend.name();
    }

    /**
     * Registers every Hatchway MBean in {@code server} too, and keeps it in step from then on: what
     * is registered later is registered there as well, and a deleted task's MBeans and
     * {@link #close()} remove them from both. A notification reaches listeners added through
     * either server. A registration the second server refuses is logged and left out. Only the
     * first call counts.
     *
     * @param server the second server: the host's platform MBean server, once the host made it
     */
    public void mirrorInto(MBeanServer server) {
        mbeans.mirrorInto(Objects.requireNonNull(server));
    }

    @Override
    public String getVersion() {
        String version = TaskService.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }

    @Override
    public String getJolokiaUrl() {
        return jolokiaUrl;
    }

    public void setJolokiaUrl(String url) {
        this.jolokiaUrl = url == null ? "" : url;
    }

    public static ObjectName taskName(String taskId) {
        return objectName(DOMAIN + ":type=Task,name=" + taskId);
    }

    public static ObjectName execName(String taskId, String execId) {
        return objectName(DOMAIN + ":type=Exec,task=" + taskId + ",name=" + execId);
    }

    /** What the tasks tell: their events go out, their MBeans and the registry follow them. */
    private final class Listener implements TaskListener {
        @Override
        public void event(Task task, Event event) {
            events.send(task, event);
        }

        @Override
        public void execAdded(Exec exec) {
            mbeans.register(exec);
        }

        @Override
        public void execDeleted(Exec exec) {
            mbeans.unregister(exec);
        }

        @Override
        public void taskDeleted(Task task) {
            mbeans.unregister(task);
        }

        @Override
        public void taskReleased(Task task) {
            tasks.remove(task);
        }
    }

    /**
     * Unregisters every Hatchway MBean and closes the threads, waiting a little for work under way
     * to end (what comes after may free what that work uses), then the backend. Tasks' processes
     * keep running.
     */
    @Override
    public void close() {
        for (Task task : tasks.all()) {
            mbeans.unregister(task);
        }
        tasks.clear();
        mbeans.unregisterService();
        threads.close();
        backend.close();
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
