package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MBeans of the service, its tasks and their execs, under the names of SPEC.md, in the servers
 * {@link Registrations} keeps in step. A task's MBean sends its events through an {@link Emitter}
 * attached to the {@link EventFanOut} while it is registered. Thread-safe.
 */
final class TaskMBeans {
    private static final Logger log = LoggerFactory.getLogger(TaskMBeans.class);

    private final Registrations registrations;
    private final EventFanOut events;

    TaskMBeans(MBeanServer server, EventFanOut events) {
        this.registrations = new Registrations(server);
        this.events = events;
    }

    /** @throws io.hatchway.hcs.HatchwayException AlreadyExists when a TaskService is registered already */
    void registerService(TaskServiceMXBean service) {
        try {
            registrations.register(TaskService.NAME, () -> new DescribedMXBean.Emitting<>(service,
                    TaskServiceMXBean.class, events.service().broadcaster()));
        } catch (InstanceAlreadyExistsException e) {
            throw ErrorKind.AlreadyExists.error("%s is registered already: Hatchway is loaded in this JVM",
                    TaskService.NAME);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    void unregisterService() {
        unregisterQuietly(TaskService.NAME);
    }

    /** Registers a new task's MBean and its init exec's; both or neither. */
    void register(Task task) {
        ObjectName name = TaskService.taskName(task.getId());
        Emitter emitter = new Emitter(name);
        try {
            registrations.register(name, () -> new DescribedMXBean.Emitting<>(new TaskMBean(task),
                    TaskMXBean.class, emitter.broadcaster()));
        } catch (JMException e) {
            throw ErrorKind.AlreadyExists.error("MBean %s: %s", name, e.getMessage());
        }
        try {
            register(task.init());
        } catch (RuntimeException e) {
            unregisterQuietly(name);
            throw e;
        }
        events.attach(task, emitter);
    }

    /** @throws io.hatchway.hcs.HatchwayException AlreadyExists when its name is taken */
    void register(Exec exec) {
        ObjectName name = TaskService.execName(exec.getTaskId(), exec.getId());
        try {
            registrations.register(name, () -> new DescribedMXBean<>(new ExecMBean(exec), ExecMXBean.class));
        } catch (JMException e) {
            throw ErrorKind.AlreadyExists.error("MBean %s: %s", name, e.getMessage());
        }
    }

    void unregister(Exec exec) {
        unregisterQuietly(TaskService.execName(exec.getTaskId(), exec.getId()));
    }

    /** Unregisters a task's MBeans: its execs', its init exec's and its own. */
    void unregister(Task task) {
        for (Exec exec : task.execs()) {
            unregister(exec);
        }
        unregister(task.init());
        unregisterQuietly(TaskService.taskName(task.getId()));
        events.detach(task);
    }

    /** See {@link Registrations#mirrorInto}. */
    void mirrorInto(MBeanServer server) {
        registrations.mirrorInto(server);
    }

    private void unregisterQuietly(ObjectName name) {
        try {
            registrations.unregister(name);
        } catch (InstanceNotFoundException e) { // already gone
        } catch (JMException e) {
            log.warn("unregistering {} failed", name, e);
        }
    }
}
