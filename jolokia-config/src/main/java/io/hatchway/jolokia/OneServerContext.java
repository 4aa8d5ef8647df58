package io.hatchway.jolokia;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerDelegate;
import javax.management.MalformedObjectNameException;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import org.jolokia.core.api.LogHandler;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;
import org.jolokia.server.core.service.api.AgentDetails;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.service.api.JolokiaService;
import org.jolokia.server.core.service.request.RequestHandler;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.service.api.SecurityDetails;
import org.jolokia.server.core.service.api.ServerHandle;
import org.jolokia.server.core.service.impl.JolokiaServiceManagerImpl;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;
import org.jolokia.server.core.util.jmx.MBeanServerAccess;

/**
 * Jolokia's services running on exactly one MBean server: every request Jolokia serves, and every
 * MBean Jolokia registers for itself ({@code jolokia:*}, e.g. the pull notification store), go to
 * that server and no other.
 *
 * <p>Why not {@code JolokiaServiceManager.start()}: in 2.6.0 it always adds the platform MBean
 * server (creating it, which initializes {@code java.util.logging} too) to the servers it serves,
 * and registers its own MBeans ({@code jolokia:type=ServerHandler}, {@code jolokia:type=Config}
 * with its {@code Debug} switch) there. Here the service manager only holds the services (its own
 * {@code version} and {@code config} handlers among them) and is never started; this context
 * initializes them in the manager's order (request handlers first) and destroys them in
 * {@link #stop()}. Jolokia's debug store is not used ({@code debug} is off): it would register
 * {@code jolokia:type=Config}.
 */
final class OneServerContext implements JolokiaContext {
    private final JolokiaServiceManagerImpl services;
    private final Configuration configuration;
    private final LogHandler log;
    private final Restrictor restrictor;
    private final MBeanServer server;
    private final OneServerAccess access;
    private final AgentDetails agentDetails;
    private final List<JolokiaService<?>> initialized = new ArrayList<>(); // guarded by this
    private final List<ObjectName> registered = new ArrayList<>(); // guarded by this

    private OneServerContext(JolokiaServiceManagerImpl services, Configuration configuration, LogHandler log,
                             Restrictor restrictor, MBeanServer server) {
        this.services = services;
        this.configuration = configuration;
        this.log = log;
        this.restrictor = restrictor;
        this.server = server;
        this.access = new OneServerAccess(server);
        this.agentDetails = new AgentDetails(configuration, ServerHandle.NULL_SERVER_HANDLE);
    }

    /**
     * Initializes {@code added} (and Jolokia's own {@code version} and {@code config} handlers) on
     * {@code server}. On failure what was initialized is destroyed again.
     */
    static OneServerContext start(Configuration configuration, LogHandler log, Restrictor restrictor,
                                  MBeanServer server, List<JolokiaService<?>> added) {
        JolokiaServiceManagerImpl manager = new JolokiaServiceManagerImpl(configuration, log, restrictor,
                ignored -> new java.util.TreeSet<>());
        List<Class<? extends JolokiaService<?>>> types = new ArrayList<>();
        types.add(RequestHandler.class); // first, as the manager does
        for (JolokiaService<?> service : added) {
            manager.addService(service);
            if (!types.contains(service.getType())) {
                types.add(service.getType());
            }
        }
        OneServerContext context = new OneServerContext(manager, configuration, log, restrictor,
                Objects.requireNonNull(server, "server"));
        try {
            context.access.listen();
            for (Class<? extends JolokiaService<?>> type : types) {
                for (JolokiaService<?> service : manager.getServices(type)) {
                    if (service.isEnabled(context)) {
                        service.init(context);
                        synchronized (context) {
                            context.initialized.add(service);
                        }
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            context.stop();
            throw e;
        }
        return context;
    }

    /** Destroys the services, unregisters what they registered, stops listening. Never throws. */
    synchronized void stop() {
        for (int i = initialized.size() - 1; i >= 0; i--) {
            JolokiaService<?> service = initialized.get(i);
            try {
                service.destroy();
            } catch (Exception e) {
                log.error("stopping Jolokia's " + service.getClass().getSimpleName() + " failed: " + e, null);
            }
        }
        initialized.clear();
        for (ObjectName name : registered) { // a service that forgot its own
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException e) { // unregistered by its service
            } catch (JMException | RuntimeException e) {
                log.error("unregistering " + name + " failed: " + e, null);
            }
        }
        registered.clear();
        access.stopListening();
    }

    // ---- services

    @Override
    public <T extends JolokiaService<?>> SortedSet<T> getServices(Class<T> type) {
        return services.getServices(type);
    }

    @Override
    public <T extends JolokiaService<?>> T getService(Class<T> type) {
        return services.getService(type);
    }

    @Override
    public <T extends JolokiaService<?>> T getMandatoryService(Class<T> type) {
        SortedSet<T> found = services.getServices(type);
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " services of type " + type + " where one is needed");
        }
        return found.first();
    }

    @Override
    public boolean isServiceEnabled(String serviceClassName) {
        return services.isServiceEnabled(serviceClassName);
    }

    // ---- the one MBean server

    @Override
    public MBeanServerAccess getMBeanServerAccess() {
        return access;
    }

    @Override
    public synchronized ObjectName registerMBean(Object mbean, String... name) throws MalformedObjectNameException,
            javax.management.NotCompliantMBeanException, javax.management.InstanceAlreadyExistsException,
            MBeanRegistrationException {
        ObjectName wanted = name != null && name.length > 0 && name[0] != null ? new ObjectName(name[0]) : null;
        ObjectName got = server.registerMBean(mbean, wanted).getObjectName();
        registered.add(got);
        return got;
    }

    @Override
    public synchronized void unregisterMBean(ObjectName name) throws MBeanRegistrationException {
        if (registered.remove(name)) {
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException e) { // gone already
            }
        }
    }

    // ---- configuration and details

    @Override
    public String getConfig(ConfigKey key) {
        return configuration.getConfig(key);
    }

    @Override
    public Set<ConfigKey> getConfigKeys() {
        return configuration.getConfigKeys();
    }

    @Override
    public AgentDetails getAgentDetails() {
        return agentDetails;
    }

    @Override
    public SecurityDetails getSecurityDetails() {
        return configuration.getSecurityDetails();
    }

    @Override
    public String dateFormat() {
        return configuration.getConfig(ConfigKey.DATE_FORMAT);
    }

    @Override
    public java.util.TimeZone dateFormatTimeZone() {
        return java.util.TimeZone.getTimeZone(configuration.getConfig(ConfigKey.DATE_FORMAT_ZONE));
    }

    // ---- log handler

    @Override
    public void debug(String message) {
        log.debug(message);
    }

    @Override
    public void info(String message) {
        log.info(message);
    }

    @Override
    public void error(String message, Throwable t) {
        log.error(message, t);
    }

    @Override
    public boolean isDebug() {
        return log.isDebug();
    }

    // ---- restrictor

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return restrictor.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return restrictor.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return restrictor.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return restrictor.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return restrictor.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return restrictor.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return restrictor.isOriginAllowed(origin, onlyWhenStrictCheckingIsEnabled);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return restrictor.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return restrictor.ignoreScheme();
    }

    /**
     * Jolokia's access to MBeans, on the one server. It notes when MBeans come and go (a listener on
     * the server's delegate, removed at stop) so {@code list} requests with {@code ifModifiedSince}
     * are answered as Jolokia answers them.
     */
    private static final class OneServerAccess implements MBeanServerAccess, NotificationListener {
        private final MBeanServer server;
        private volatile long lastChange = System.currentTimeMillis();

        OneServerAccess(MBeanServer server) {
            this.server = server;
        }

        void listen() {
            try {
                server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this, null, null);
            } catch (InstanceNotFoundException e) {
                throw new IllegalStateException("an MBean server without its delegate", e);
            }
        }

        void stopListening() {
            try {
                server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this);
            } catch (InstanceNotFoundException | ListenerNotFoundException e) { // never listened
            }
        }

        @Override
        public void handleNotification(Notification notification, Object handback) {
            lastChange = System.currentTimeMillis();
        }

        @Override
        public void each(ObjectName name, MBeanEachCallback callback) throws IOException, JMException {
            boolean pattern = name != null && name.isPattern();
            for (ObjectInstance instance : server.queryMBeans(name, null)) {
                try {
                    callback.callback(server, instance);
                } catch (InstanceNotFoundException e) {
                    if (!pattern) { // a pattern means "whatever is there now"
                        throw e;
                    }
                }
            }
        }

        @Override
        public <R> R call(ObjectName name, MBeanAction<R> action, Object... extraArgs) throws IOException, JMException {
            return action.execute(server, name, extraArgs);
        }

        @Override
        public Set<ObjectName> queryNames(ObjectName name) {
            return new HashSet<>(server.queryNames(name, null));
        }

        @Override
        public boolean hasMBeansListChangedSince(long timestamp) {
            return lastChange / 1000 >= timestamp; // as Jolokia's own: timestamp in seconds
        }

        @Override
        public Set<MBeanServerConnection> getMBeanServers() {
            return Set.of(server);
        }
    }
}
