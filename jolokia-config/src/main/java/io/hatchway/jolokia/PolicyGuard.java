package io.hatchway.jolokia;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import javax.management.JMException;
import javax.management.MBeanInfo;
import org.jolokia.json.JSONObject;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.EmptyResponseException;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaNotificationRequest;
import org.jolokia.server.core.request.JolokiaObjectNameRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaRequestFactory;
import org.jolokia.server.core.request.NotChangedException;
import org.jolokia.server.core.request.ProcessingParameters;
import org.jolokia.server.core.request.notification.AddCommand;
import org.jolokia.server.core.request.notification.NotificationCommand;
import org.jolokia.server.core.request.notification.UnregisterCommand;
import org.jolokia.server.core.service.api.AbstractJolokiaService;
import org.jolokia.server.core.service.request.RequestHandler;

/**
 * The first request handler every Jolokia request meets: it takes (and refuses, with a
 * {@code PermissionDenied:} message that Jolokia returns as a 403 error) each request that
 * {@link AccessPolicy} does not allow, and (with an {@code InvalidArgument:} message, a 400 error)
 * each {@code exec} with more arguments than its operation takes; it lets every other request go on
 * to Jolokia's JMX handler.
 *
 * <p>Why a handler and not only the {@link AccessPolicy} restrictor: Jolokia 2.6.0 never asks the
 * restrictor about notification listeners ({@code NotificationHandler.checkForRestriction} is
 * empty), reads every attribute of an MBean before asking about each one, and, with no JSR-160
 * handler present, would serve a proxy request (one with a {@code target}) from the local MBean
 * server instead of refusing it. And Jolokia takes arguments beyond an operation's parameters as a
 * path into its result, so {@code createTask} with one argument too many would run, the extra one
 * silently dropped.
 *
 * <p>It also serves every notification {@code unregister} itself, working around a Jolokia 2.6.0 bug:
 * its unregister removes the client's listeners while iterating over their handles, so a client
 * holding two or more fails with a {@code ConcurrentModificationException} after the first, and the
 * rest stay attached to their MBeans, collecting notifications, until those MBeans go. Here the
 * client's handles are listed and each is removed ({@code remove}, which has no such loop) before
 * Jolokia's unregister runs, with nothing left to iterate. Stateless and thread-safe (one unregister
 * at a time).
 */
final class PolicyGuard extends AbstractJolokiaService<RequestHandler> implements RequestHandler {
    // Jolokia's version (-1) and config (-2) handlers come first; its JMX handler has 1000.
    private static final int ORDER = 0;

    private final AccessPolicy policy;

    PolicyGuard(AccessPolicy policy) {
        super(RequestHandler.class, ORDER);
        this.policy = Objects.requireNonNull(policy);
    }

    @Override
    public boolean canHandle(JolokiaRequest request) {
        return refusal(request).isPresent() || isUnregister(request);
    }

    @Override
    public <R extends JolokiaRequest> Object handleRequest(R request, Object previousResult)
            throws IOException, JMException, NotChangedException, BadRequestException, EmptyResponseException {
        Optional<String> refusal = refusal(request);
        if (refusal.isEmpty()) {
            return unregister((JolokiaNotificationRequest) request);
        }
        throw refusal.get().startsWith("InvalidArgument:") ? new IllegalArgumentException(refusal.get())
                : new SecurityException(refusal.get());
    }

    private static boolean isUnregister(JolokiaRequest request) {
        return request instanceof JolokiaNotificationRequest notification
                && notification.getCommand() instanceof UnregisterCommand;
    }

    // Removes each of the client's listeners, then lets Jolokia unregister the client (see above).
    private synchronized Object unregister(JolokiaNotificationRequest request)
            throws IOException, JMException, NotChangedException, BadRequestException, EmptyResponseException {
        String client = ((UnregisterCommand) request.getCommand()).getClient();
        Object handles;
        try {
            handles = passOn(notificationCommand("list", client, null));
        } catch (IllegalArgumentException unknownClient) {
            return passOn(request); // Jolokia's own answer
        }
        if (handles instanceof Map<?, ?> listed) {
            for (Object handle : List.copyOf(listed.keySet())) {
                passOn(notificationCommand("remove", client, String.valueOf(handle)));
            }
        }
        return passOn(request);
    }

    private static JolokiaRequest notificationCommand(String command, String client, String handle)
            throws BadRequestException {
        JSONObject json = new JSONObject();
        json.put("type", "notification");
        json.put("command", command);
        json.put("client", client);
        if (handle != null) {
            json.put("handle", handle);
        }
        return JolokiaRequestFactory.createPostRequest(json, new ProcessingParameters(Map.of()));
    }

    // Serves the request by the handlers after this one, as Jolokia's dispatcher would have.
    private Object passOn(JolokiaRequest request)
            throws IOException, JMException, NotChangedException, BadRequestException, EmptyResponseException {
        for (RequestHandler handler : getJolokiaContext().getServices(RequestHandler.class)) {
            if (handler != this && handler.canHandle(request)) {
                return handler.handleRequest(request, null);
            }
        }
        throw new IllegalStateException("no Jolokia handler serves notification requests");
    }

    private Optional<String> refusal(JolokiaRequest request) {
        if (request.getOption("target") != null) {
            return Optional.of("PermissionDenied: proxy requests (with a 'target') are not served: "
                    + "Hatchway's Jolokia answers for this JVM only");
        }
        if (request instanceof JolokiaObjectNameRequest named) {
            return switch (request.getType()) {
                case READ -> policy.readRefusal(named.getObjectName());
                case WRITE -> policy.writeRefusal(named.getObjectName());
                case EXEC -> policy.execRefusal(named.getObjectName(), ((JolokiaExecRequest) named).getOperation())
                        .or(() -> extraArguments((JolokiaExecRequest) named));
                default -> Optional.empty();
            };
        }
        if (request instanceof JolokiaNotificationRequest notification) {
            NotificationCommand command = notification.getCommand();
            if (command instanceof AddCommand add) {
                return policy.listenRefusal(add.getObjectName());
            }
        }
        return Optional.empty();
    }

    private Optional<String> extraArguments(JolokiaExecRequest request) {
        List<?> arguments = request.getArguments();
        int given = arguments == null ? 0 : arguments.size();
        if (given == 0 || request.getObjectName() == null || request.getObjectName().isPattern()) {
            return Optional.empty();
        }
        String operation = request.getOperation();
        OptionalInt takes = parameterCount(request);
        if (takes.isEmpty() || given <= takes.getAsInt()) {
            return Optional.empty();
        }
        return Optional.of("InvalidArgument: operation '" + operation + "' of " + request.getObjectName()
                + " takes " + takes.getAsInt() + " argument" + (takes.getAsInt() == 1 ? "" : "s") + ", not " + given);
    }

    // The most parameters the operation takes: from its signature when the request names one, else
    // from the MBean's info (the largest overload); empty when unknown (Jolokia then answers).
    private OptionalInt parameterCount(JolokiaExecRequest request) {
        String operation = request.getOperation();
        int paren = operation.indexOf('(');
        if (paren >= 0) {
            String signature = operation.substring(paren + 1, operation.lastIndexOf(')') < paren
                    ? operation.length() : operation.lastIndexOf(')')).strip();
            return OptionalInt.of(signature.isEmpty() ? 0 : signature.split(",").length);
        }
        MBeanInfo info;
        try {
            info = getJolokiaContext().getMBeanServerAccess()
                    .call(request.getObjectName(), (server, name, extra) -> server.getMBeanInfo(name));
        } catch (IOException | JMException | RuntimeException e) {
            return OptionalInt.empty();
        }
        return Arrays.stream(info.getOperations())
                .filter(candidate -> candidate.getName().equals(operation))
                .mapToInt(candidate -> candidate.getSignature().length)
                .max();
    }

    /** Not shown in Jolokia's {@code version} answer. */
    @Override
    public String getProvider() {
        return null;
    }

    @Override
    public Object getRuntimeInfo() {
        return null;
    }
}
