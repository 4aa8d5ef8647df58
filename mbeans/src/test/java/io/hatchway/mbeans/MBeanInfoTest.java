package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.TaskFixture.addExecs;
import static io.hatchway.mbeans.TaskFixture.awaitExit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What JMX tools show and what a remote client receives: operation parameters with real names and
 * descriptions (JConsole, Jolokia {@code list}), notification types, {@code java.*} errors whose
 * message starts with the kind, and results and events made of open types only, which a client
 * without any Hatchway class can deserialize.
 */
class MBeanInfoTest {
    private static final String TID = "info";
    private static final String EXEC = "exec";

    @TempDir
    Path tempDir;
    TaskFixture hatchway;
    String bundle;

    @BeforeEach
    void startHatchway() {
        hatchway = new TaskFixture(Backend.PROCESS, tempDir);
        TaskMXBean task = hatchway.started(TID);
        addExecs(task, longRunning(), EXEC);
        bundle = hatchway.bundle("other", longRunning()).toString();
    }

    @AfterEach
    void stopHatchway() {
        hatchway.close();
    }

    static Stream<Arguments> mbeans() {
        return Stream.of(
                Arguments.of(TaskService.NAME, TaskServiceMXBean.class),
                Arguments.of(TaskService.taskName(TID), TaskMXBean.class),
                Arguments.of(TaskService.execName(TID, TID), ExecMXBean.class),
                Arguments.of(TaskService.execName(TID, EXEC), ExecMXBean.class));
    }

    /** The interface's operations: every method that is not an attribute getter. */
    private static List<Method> operations(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getParameterCount() > 0
                        || !(m.getName().startsWith("get") || m.getName().startsWith("is")))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mbeans")
    @DisplayName("Every operation and each of its parameters has a real name and a description")
    void operationsAreDescribed(ObjectName name, Class<?> type) throws Exception {
        MBeanInfo info = hatchway.server.getMBeanInfo(name);

        assertEquals(operations(type).stream().map(Method::getName).collect(Collectors.toSet()),
                Arrays.stream(info.getOperations()).map(MBeanOperationInfo::getName).collect(Collectors.toSet()));
        for (MBeanOperationInfo operation : info.getOperations()) {
            assertFalse(operation.getDescription().isBlank(), operation.getName() + " has no description");
            Method method = operations(type).stream().filter(m -> m.getName().equals(operation.getName()))
                    .findFirst().orElseThrow(); // the MXBean interfaces have no overloads
            MBeanParameterInfo[] parameters = operation.getSignature();
            assertEquals(method.getParameterCount(), parameters.length);
            for (int i = 0; i < parameters.length; i++) {
                String where = operation.getName() + " parameter " + i;
                assertEquals(method.getParameters()[i].getName(), parameters[i].getName(), where);
                assertFalse(parameters[i].getName().matches("(p|arg)\\d+"), where + " is " + parameters[i].getName());
                assertFalse(parameters[i].getDescription().isBlank(), where + " has no description");
            }
        }
        assertFalse(info.getDescription().isBlank());
        for (MBeanAttributeInfo attribute : info.getAttributes()) {
            assertFalse(attribute.getDescription().isBlank(), attribute.getName() + " has no description");
        }
    }

    @Test
    @DisplayName("Parameter names are the ones a user reads in JConsole, e.g. killExec(execId, signal, all)")
    void parameterNamesAsAUserReadsThem() throws Exception {
        assertArrayEquals(new String[] {"id", "bundle", "optionsJson"},
                parameterNames(TaskService.NAME, "createTask"));
        assertArrayEquals(new String[] {"execId", "signal", "all"},
                parameterNames(TaskService.taskName(TID), "killExec"));
        assertArrayEquals(new String[] {"execId", "timeoutMillis"},
                parameterNames(TaskService.taskName(TID), "waitExec"));
        assertArrayEquals(new String[] {"width", "height"},
                parameterNames(TaskService.execName(TID, EXEC), "resizePty"));
    }

    private String[] parameterNames(ObjectName name, String operation) throws Exception {
        MBeanOperationInfo info = Arrays.stream(hatchway.server.getMBeanInfo(name).getOperations())
                .filter(o -> o.getName().equals(operation)).findFirst().orElseThrow();
        return Arrays.stream(info.getSignature()).map(MBeanParameterInfo::getName).toArray(String[]::new);
    }

    @Test
    @DisplayName("The service's attributes: its tasks, the process backend, a version, no Jolokia URL")
    void serviceAttributes() throws Exception {
        assertArrayEquals(new String[] {TID}, (String[]) hatchway.server.getAttribute(TaskService.NAME, "TaskIds"));
        assertEquals("process", hatchway.server.getAttribute(TaskService.NAME, "Backend"));
        assertFalse(((String) hatchway.server.getAttribute(TaskService.NAME, "Version")).isBlank());
        assertEquals("", hatchway.server.getAttribute(TaskService.NAME, "JolokiaUrl"));
    }

    @Test
    @DisplayName("The service and Task MBeans announce the six task notification types")
    void notificationTypes() throws Exception {
        Set<String> expected = Set.of("hatchway.task.create", "hatchway.task.start", "hatchway.task.exec-added",
                "hatchway.task.exec-started", "hatchway.task.exit", "hatchway.task.delete");
        for (ObjectName name : List.of(TaskService.NAME, TaskService.taskName(TID))) {
            Set<String> announced = Arrays.stream(hatchway.server.getMBeanInfo(name).getNotifications())
                    .map(MBeanNotificationInfo::getNotifTypes).flatMap(Arrays::stream).collect(Collectors.toSet());
            assertEquals(expected, announced, name.toString());
        }
    }

    /** One failing call made with MBeanServer.invoke, as JConsole or a remote connector makes it. */
    record Invocation(ErrorKind kind, ObjectName name, String operation, Object[] params, String[] signature) {
        @Override
        public String toString() {
            return kind + " from " + name.getKeyProperty("type") + "." + operation + Arrays.toString(params);
        }
    }

    private static final String S = String.class.getName();

    List<Invocation> failingInvocations() {
        ObjectName task = TaskService.taskName(TID);
        return List.of(
                new Invocation(ErrorKind.NotFound, task, "state", new Object[] {"nope"}, new String[] {S}),
                new Invocation(ErrorKind.AlreadyExists, TaskService.NAME, "createTask",
                        new Object[] {TID, bundle, ""}, new String[] {S, S, S}),
                new Invocation(ErrorKind.FailedPrecondition, task, "killExec", new Object[] {EXEC, 15, true},
                        new String[] {S, "int", "boolean"}),
                new Invocation(ErrorKind.InvalidArgument, TaskService.NAME, "createTask",
                        new Object[] {"bad id", bundle, ""}, new String[] {S, S, S}),
                new Invocation(ErrorKind.NotImplemented, TaskService.NAME, "createTask",
                        new Object[] {"other", bundle, "{\"runtime\":\"crun\"}"}, new String[] {S, S, S}),
                new Invocation(ErrorKind.DeadlineExceeded, task, "waitExec", new Object[] {"", 1L},
                        new String[] {S, "long"}),
                new Invocation(ErrorKind.InvalidArgument, TaskService.execName(TID, EXEC), "waitFor",
                        new Object[] {-1L}, new String[] {"long"}),
                new Invocation(ErrorKind.FailedPrecondition, TaskService.execName(TID, TID), "start",
                        new Object[0], new String[0]));
    }

    @Test
    @DisplayName("Errors through the MBeanServer are java.* exceptions whose message starts with the kind,"
            + " with no stack trace and nothing a client without Hatchway classes cannot load")
    void errorsThroughTheMBeanServer() throws Exception {
        for (Invocation call : failingInvocations()) {
            RuntimeMBeanException wrapped = assertThrows(RuntimeMBeanException.class,
                    () -> hatchway.server.invoke(call.name(), call.operation(), call.params(), call.signature()),
                    call::toString);
            RuntimeException error = wrapped.getTargetException();
            assertTrue(error.getClass().getName().startsWith("java."), call + ": " + error);
            assertInstanceOf(Errors.javaType(call.kind()), error, call::toString);
            assertTrue(error.getMessage().startsWith(call.kind() + ": "), call + ": " + error.getMessage());
            assertEquals(0, error.getStackTrace().length, call + " carries a stack trace");
            assertNull(error.getCause(), call + " carries a cause");
            RuntimeMBeanException received = (RuntimeMBeanException) withoutHatchwayClasses(wrapped);
            assertEquals(error.getMessage(), received.getTargetException().getMessage());
        }
    }

    @Test
    @DisplayName("Results and events are open types: a client without Hatchway classes reads them")
    void openTypesOnly() throws Exception {
        ObjectName task = TaskService.taskName(TID);
        List<Notification> notifications = new CopyOnWriteArrayList<>();
        hatchway.server.addNotificationListener(task, (n, handback) -> notifications.add(n), null, null);
        hatchway.server.invoke(task, "start", new Object[] {EXEC}, new String[] {S});
        hatchway.server.invoke(task, "killExec", new Object[] {"", 9, true}, new String[] {S, "int", "boolean"});
        awaitExit(hatchway.task(TID), "");

        for (String operation : List.of("state", "waitExec")) {
            Object[] params = operation.equals("state") ? new Object[] {EXEC} : new Object[] {EXEC, 1000L};
            String[] signature = operation.equals("state") ? new String[] {S} : new String[] {S, "long"};
            Object result = hatchway.server.invoke(task, operation, params, signature);
            assertNotNull(withoutHatchwayClasses((Serializable) result), operation);
        }
        for (String attribute : List.of("ExecIds", "Status", "Pid", "CpuTime100ns")) {
            withoutHatchwayClasses((Serializable) hatchway.server.getAttribute(task, attribute));
        }
        assertFalse(notifications.isEmpty());
        for (Notification notification : notifications) {
            Notification received = (Notification) withoutHatchwayClasses(notification);
            assertInstanceOf(CompositeData.class, received.getUserData(), received::getType);
        }
    }

    /** Serializes {@code value} and reads it back refusing every Hatchway class, as a remote client would. */
    private static Object withoutHatchwayClasses(Serializable value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ClientStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }

    private static final class ClientStream extends ObjectInputStream {
        ClientStream(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            if (desc.getName().startsWith("io.hatchway.")) {
                throw new ClassNotFoundException("a JMX client has no " + desc.getName());
            }
            return super.resolveClass(desc);
        }
    }
}
