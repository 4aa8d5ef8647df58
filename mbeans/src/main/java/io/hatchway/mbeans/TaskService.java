package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.Threads;
import io.hatchway.hcs.oci.Bundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task service and the MBean bookkeeping of all tasks: it creates tasks on one
 * {@link ComputeBackend}, registers and unregisters their MBeans in one {@link MBeanServer} (and,
 * once {@link #mirrorInto mirrored}, in a second one in step), sends their events, and owns the
 * threads they use (all daemon, all named {@code hatchway-*}).
 *
 * <p>Lifecycle: {@link #start()} registers {@code hatchway:type=TaskService}; {@link #close()}
 * unregisters every Hatchway MBean and stops the threads. Tasks' processes are not touched by
 * {@code close}: they keep running (delete them first to stop them). Thread-safe.
 */
public final class TaskService implements TaskServiceMXBean, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskService.class);
    public static final String DOMAIN = "hatchway";
    public static final ObjectName NAME = objectName(DOMAIN + ":type=TaskService");
    /** How long a close waits for each of its pools' work under way to end. */
    private static final Duration THREADS_END = Duration.ofSeconds(2);

    private final ComputeBackend backend;
    private final Path stateDir;
    private final Registrations mbeans;
    private final Timeouts timeouts;
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    private final Map<Task, Emitter> emitters = new ConcurrentHashMap<>();
    private final Emitter emitter = new Emitter(NAME);
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final TaskContext context;
    private volatile String jolokiaUrl = "";

    public TaskService(ComputeBackend backend, Path stateDir, MBeanServer server, Timeouts timeouts) {
        this.backend = Objects.requireNonNull(backend);
        this.stateDir = Objects.requireNonNull(stateDir);
        this.mbeans = new Registrations(server);
        this.timeouts = Objects.requireNonNull(timeouts);
        this.executor = Executors.newCachedThreadPool(Threads.daemons("hatchway-task-"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.daemons("hatchway-timer-"));
        this.context = new TaskContext(new Listener(), executor, scheduler, timeouts);
    }

    /**
     * Registers {@code hatchway:type=TaskService}, starts bounding the kept output, and re-registers
     * the tasks the backend finds again from a previous run (see {@link #recover()}).
     *
     * @throws IllegalStateException AlreadyExists when a TaskService is registered already
     */
    public void start() {
        try {
            mbeans.register(NAME, () -> new DescribedMXBean.Emitting<>(this, TaskServiceMXBean.class,
                    emitter.broadcaster));
        } catch (javax.management.InstanceAlreadyExistsException e) {
            throw ErrorKind.AlreadyExists.error("%s is registered already: Hatchway is loaded in this JVM", NAME);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
        try { // the parent of every task's directory exists for the service's life, not per task
            java.nio.file.Files.createDirectories(stateDir.resolve("tasks"));
        } catch (java.io.IOException e) {
            unregisterQuietly(NAME);
            throw ErrorKind.Unavailable.error("stateDir '%s': %s", stateDir, e);
        }
        scheduler.scheduleWithFixedDelay(this::enforceOutputCaps, 1, 1, TimeUnit.SECONDS);
        recover();
    }

    /**
     * Re-registers every task the backend finds again from a previous run on the same state
     * ({@link ComputeBackend#recover()}), with its init exec and its started execs in their real
     * state; no {@code create} event is sent for them. Execs that were created and never started
     * are not found again. A failure is logged and leaves the service running.
     */
    private void recover() {
        List<RecoveredSystem> found;
        try {
            found = backend.recover();
        } catch (RuntimeException e) {
            log.warn("recovery failed; previous tasks are not re-registered", e);
            return;
        }
        for (RecoveredSystem recovered : found) {
            Task task = null;
            try {
                Ids.check(recovered.id(), "task id");
                task = Task.recovered(context, recovered, stateDir.resolve("tasks").resolve(recovered.id()));
                register(task);
                for (Exec exec : task.execs()) {
                    register(exec);
                }
                tasks.put(recovered.id(), task);
                task.adopt(recovered);
                log.info("task '{}' recovered with {} exec(s)", recovered.id(), task.execs().size());
            } catch (RuntimeException e) {
                // Its processes are someone's workload: left running, found again at the next start.
                log.warn("task '{}' found again but not re-registered; left running: {}", recovered.id(),
                        e.getMessage());
                if (task != null) {
                    unregister(task);
                    tasks.remove(recovered.id(), task);
                }
            }
        }
    }

    /**
     * An id whose task is being deleted is free once that delete has released it (bounded, by the
     * delete teardown timeout): the create waits for that, so no clean-up of the old task can ever
     * touch the new one. The create event is sent before anything can reach the new task.
     */
    @Override
    public int createTask(String id, String bundlePath, String optionsJson) {
        Ids.check(id, "task id");
        Task previous = tasks.get(id);
        if (previous != null && previous.isDeleted()) {
            Exec.await(previous.released(), timeouts.deleteTeardown(), "task: '" + id + "' to be deleted");
        }
        if (tasks.containsKey(id) || !creating.add(id)) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
        }
        Task task = null;
        Path taskDir = stateDir.resolve("tasks").resolve(id);
        try {
            Bundle bundle = Bundle.load(bundlePath);
            TaskOptions options = TaskOptions.parse(optionsJson);
            task = Task.create(context, id, bundle, taskDir, stdio -> backend.create(id, bundle, options, stdio));
            synchronized (task.init()) { // nothing can start or delete the task before its create event
                register(task);
                tasks.put(id, task);
                publish(task, Event.create(id, bundle.toString()));
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
            Task.deleteQuietly(taskDir);
            throw e;
        } finally {
            creating.remove(id);
        }
    }

    /** @throws io.hatchway.hcs.HatchwayException NotFound {@code task with id: '<id>' not found} */
    public Task task(String id) {
        Task task = id == null ? null : tasks.get(id);
        if (task == null || task.isDeleted()) {
            throw ErrorKind.NotFound.error("task with id: '%s' not found", id);
        }
        return task;
    }

    @Override
    public List<String> getTaskIds() {
        return tasks.values().stream().filter(task -> !task.isDeleted()).map(Task::getId).toList();
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

    /** Registers a new task's MBean and its init exec's; both or neither. */
    private void register(Task task) {
        ObjectName name = taskName(task.getId());
        Emitter taskEmitter = new Emitter(name);
        try {
            mbeans.register(name, () -> new DescribedMXBean.Emitting<>(new TaskMBean(task), TaskMXBean.class,
                    taskEmitter.broadcaster));
        } catch (JMException e) {
            throw ErrorKind.AlreadyExists.error("MBean %s: %s", name, e.getMessage());
        }
        try {
            register(task.init());
        } catch (RuntimeException e) {
            unregisterQuietly(name);
            throw e;
        }
        emitters.put(task, taskEmitter);
    }

    void register(Exec exec) {
        ObjectName name = execName(exec.getTaskId(), exec.getId());
        try {
            mbeans.register(name, () -> new DescribedMXBean<>(new ExecMBean(exec), ExecMXBean.class));
        } catch (JMException e) {
            throw ErrorKind.AlreadyExists.error("MBean %s: %s", name, e.getMessage());
        }
    }

    void unregister(Exec exec) {
        unregisterQuietly(execName(exec.getTaskId(), exec.getId()));
    }

    /** Unregisters a deleted task's MBeans, its execs' and its init exec's. */
    void unregister(Task task) {
        for (Exec exec : task.execs()) {
            unregister(exec);
        }
        unregister(task.init());
        unregisterQuietly(taskName(task.getId()));
        emitters.remove(task);
    }

    /** Takes a deleted task out of the service, freeing its id; its delete has released everything else. */
    void remove(Task task) {
        tasks.remove(task.getId(), task);
    }

    private void unregisterQuietly(ObjectName name) {
        try {
            mbeans.unregister(name);
        } catch (javax.management.InstanceNotFoundException e) { // already gone
        } catch (JMException e) {
            log.warn("unregistering {} failed", name, e);
        }
    }

    /** Sends {@code event} from the task's MBean and from the service's. */
    void publish(Task task, Event event) {
        if (log.isDebugEnabled()) {
            log.debug("event {} {}", event.topic(), event.fields());
        }
        javax.management.openmbean.CompositeData data = event.toCompositeData(); // immutable: one for both
        Emitter taskEmitter = emitters.get(task);
        if (taskEmitter != null) {
            taskEmitter.send(event, data);
        }
        emitter.send(event, data);
    }

    /**
     * One MBean's notifications: numbered by it alone, 1, 2, 3, ... in the order they are sent, so a
     * client sees a gap only where it really missed one.
     */
    private static final class Emitter {
        final NotificationBroadcasterSupport broadcaster = newEmitter();
        private final ObjectName name;
        private long sequence; // guarded by this

        Emitter(ObjectName name) {
            this.name = name;
        }

        synchronized void send(Event event, Object data) {
            Notification n = new Notification(event.type(), name, ++sequence, System.currentTimeMillis(), event.topic());
            n.setUserData(data);
            broadcaster.sendNotification(n);
        }
    }

    private static NotificationBroadcasterSupport newEmitter() {
        return new NotificationBroadcasterSupport(new MBeanNotificationInfo(Event.TYPES,
                Notification.class.getName(), "Task events (containerd topics /tasks/*)"));
    }

    private void enforceOutputCaps() {
        for (Task task : tasks.values()) {
            task.init().enforceOutputCaps();
            task.execs().forEach(Exec::enforceOutputCaps);
        }
    }

    /** What the tasks tell: their MBeans and the registry follow. */
    private final class Listener implements TaskListener {
        @Override
        public void event(Task task, Event event) {
            publish(task, event);
        }

        @Override
        public void execAdded(Exec exec) {
            register(exec);
        }

        @Override
        public void execDeleted(Exec exec) {
            unregister(exec);
        }

        @Override
        public void taskDeleted(Task task) {
            unregister(task);
        }

        @Override
        public void taskReleased(Task task) {
            remove(task);
        }
    }

    /**
     * Unregisters every Hatchway MBean and stops Hatchway's threads, waiting (at most
     * {@link #THREADS_END} each) for work under way to end: what comes after a close may free what
     * that work uses. Tasks' processes keep running.
     */
    @Override
    public void close() {
        for (Task task : tasks.values()) {
            unregister(task);
        }
        tasks.clear();
        unregisterQuietly(NAME);
        scheduler.shutdownNow();
        executor.shutdownNow();
        try {
            scheduler.awaitTermination(THREADS_END.toMillis(), TimeUnit.MILLISECONDS);
            executor.awaitTermination(THREADS_END.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
