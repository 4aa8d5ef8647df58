package io.hatchway.mbeans;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.management.DynamicMBean;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where Hatchway's MBeans are registered: always in one MBean server (Hatchway's own, the one its
 * Jolokia serves), and, once {@link #mirrorInto mirrored}, in a second one too (the host's
 * platform MBean server, for JConsole and the host's JMX), both kept in step. Each server gets an
 * MBean object of its own, made by the same factory; the objects share their implementation and
 * their notification emitter, so a listener added through either server gets every notification.
 *
 * <p>A failure in the first server is the caller's; in the mirror, where the host's guards decide,
 * it is logged and that MBean is simply not there. Thread-safe: registrations, unregistrations and
 * the mirroring are serialized, so the mirror never misses an MBean nor keeps a removed one.
 */
final class Registrations {
    private static final Logger log = LoggerFactory.getLogger(Registrations.class);

    private final MBeanServer own;
    private final Map<ObjectName, Supplier<? extends DynamicMBean>> registered = new LinkedHashMap<>(); // guarded by this
    private MBeanServer mirror; // guarded by this

    Registrations(MBeanServer own) {
        this.own = Objects.requireNonNull(own);
    }

    /** Registers {@code name} in the own server (throwing what it throws), then in the mirror if any. */
    synchronized void register(ObjectName name, Supplier<? extends DynamicMBean> mbean) throws JMException {
        own.registerMBean(mbean.get(), name);
        registered.put(name, mbean);
        if (mirror != null) {
            registerInMirror(name, mbean);
        }
    }

    /** Unregisters {@code name} from both servers. @throws InstanceNotFoundException when it was not registered */
    synchronized void unregister(ObjectName name) throws JMException {
        registered.remove(name);
        if (mirror != null) {
            unregisterFromMirror(name);
        }
        own.unregisterMBean(name);
    }

    /**
     * Registers every MBean registered so far in {@code server} too, and from now on each new one;
     * {@link #unregister} removes them from it. The MBean registered first (the service) comes
     * last, so a client that sees it sees everything registered before. Only the first call counts.
     */
    synchronized void mirrorInto(MBeanServer server) {
        if (mirror != null || server == own) {
            return;
        }
        mirror = server;
        List<Map.Entry<ObjectName, Supplier<? extends DynamicMBean>>> all = new ArrayList<>(registered.entrySet());
        Collections.reverse(all);
        for (Map.Entry<ObjectName, Supplier<? extends DynamicMBean>> entry : all) {
            registerInMirror(entry.getKey(), entry.getValue());
        }
    }

    private void registerInMirror(ObjectName name, Supplier<? extends DynamicMBean> mbean) {
        try {
            mirror.registerMBean(mbean.get(), name);
        } catch (JMException | RuntimeException e) { // the host's server, the host's rules
            log.warn("{} is not registered in the platform MBean server: {}", name, e.toString());
        }
    }

    private void unregisterFromMirror(ObjectName name) {
        try {
            mirror.unregisterMBean(name);
        } catch (InstanceNotFoundException e) { // never registered there, or removed by the host
        } catch (JMException | RuntimeException e) {
            log.warn("unregistering {} from the platform MBean server failed: {}", name, e.toString());
        }
    }
}
