package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanNotificationInfo;
import javax.management.NotificationBroadcasterSupport;
import javax.management.NotificationEmitter;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.ReflectionException;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers an MXBean the way JMX tools should see it: parameter names from the bytecode (the build
 * compiles with {@code -parameters}), descriptions from {@link Description}, and every failure as
 * a plain {@code java.*} exception whose message starts with its kind and carries no stack trace.
 * An unexpected failure is logged here in full and reaches the caller as {@code Unavailable}.
 */
class DescribedMXBean<T> extends StandardMBean {
    private static final Logger log = LoggerFactory.getLogger(DescribedMXBean.class);

    private final Class<T> type;

    DescribedMXBean(T implementation, Class<T> type) {
        super(implementation, type, true);
        this.type = type;
    }

    /** The same, for an MBean that sends notifications through {@code emitter}. */
    static final class Emitting<T> extends DescribedMXBean<T> implements NotificationEmitter {
        private final NotificationBroadcasterSupport emitter;

        Emitting(T implementation, Class<T> type, NotificationBroadcasterSupport emitter) {
            super(implementation, type);
            this.emitter = emitter;
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            MBeanInfo info = super.getMBeanInfo();
            return new MBeanInfo(info.getClassName(), info.getDescription(), info.getAttributes(),
                    info.getConstructors(), info.getOperations(), getNotificationInfo(), info.getDescriptor());
        }

        @Override
        public MBeanNotificationInfo[] getNotificationInfo() {
            return emitter.getNotificationInfo();
        }

        @Override
        public void addNotificationListener(NotificationListener listener, NotificationFilter filter, Object handback) {
            emitter.addNotificationListener(listener, filter, handback);
        }

        @Override
        public void removeNotificationListener(NotificationListener listener) throws ListenerNotFoundException {
            emitter.removeNotificationListener(listener);
        }

        @Override
        public void removeNotificationListener(NotificationListener listener, NotificationFilter filter,
                Object handback) throws ListenerNotFoundException {
            emitter.removeNotificationListener(listener, filter, handback);
        }
    }

    @Override
    public Object invoke(String operation, Object[] params, String[] signature)
            throws MBeanException, ReflectionException {
        try {
            return super.invoke(operation, params, signature);
        } catch (RuntimeException | LinkageError e) { // LinkageError: a native library or class that does not load
            throw forCaller(e, operation);
        }
    }

    @Override
    public Object getAttribute(String attribute)
            throws AttributeNotFoundException, MBeanException, ReflectionException {
        try {
            return super.getAttribute(attribute);
        } catch (RuntimeException | LinkageError e) { // LinkageError: a native library or class that does not load
            throw forCaller(e, attribute);
        }
    }

    @Override
    public void setAttribute(Attribute attribute)
            throws AttributeNotFoundException, InvalidAttributeValueException, MBeanException,
            ReflectionException {
        try {
            super.setAttribute(attribute);
        } catch (RuntimeException | LinkageError e) { // LinkageError: a native library or class that does not load
            throw forCaller(e, attribute.getName());
        }
    }

    private static RuntimeException forCaller(Throwable e, String what) {
        if (e instanceof HatchwayException contract) {
            return contract.toJava();
        }
        log.error("{} failed unexpectedly", what, e);
        return ErrorKind.Unavailable.error("%s failed: %s (details in hatchway.log)", what, HatchwayException.reason(e))
                .toJava();
    }

    /** Built once per interface and implementation: every exec registers an MBean of its own. */
    private static final Map<List<Class<?>>, MBeanInfo> INFO =
            new ConcurrentHashMap<>();

    @Override
    public MBeanInfo getMBeanInfo() {
        return INFO.computeIfAbsent(List.of(type, getImplementationClass()), key -> super.getMBeanInfo());
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        Description d = type.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        for (String prefix : new String[] {"get", "is"}) {
            Method getter = method(prefix + info.getName(), 0);
            if (getter != null && getter.isAnnotationPresent(Description.class)) {
                return getter.getAnnotation(Description.class).value();
            }
        }
        return super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        Method m = method(info.getName(), info.getSignature().length);
        return m != null && m.isAnnotationPresent(Description.class)
                ? m.getAnnotation(Description.class).value() : super.getDescription(info);
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Method m = method(op.getName(), op.getSignature().length);
        return m != null && m.getParameters()[sequence].isNamePresent()
                ? m.getParameters()[sequence].getName() : super.getParameterName(op, param, sequence);
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Method m = method(op.getName(), op.getSignature().length);
        Description d = m == null ? null : m.getParameters()[sequence].getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(op, param, sequence);
    }

    /** The interface method; the MXBean interfaces have no overloads, so name and arity identify it. */
    private Method method(String name, int arity) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == arity) {
                return m;
            }
        }
        return null;
    }
}
