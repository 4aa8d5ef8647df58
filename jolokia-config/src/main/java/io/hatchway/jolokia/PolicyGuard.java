package io.hatchway.jolokia;

import java.util.Objects;
import java.util.Optional;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaNotificationRequest;
import org.jolokia.server.core.request.JolokiaObjectNameRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.notification.AddCommand;
import org.jolokia.server.core.request.notification.NotificationCommand;
import org.jolokia.server.core.service.api.AbstractJolokiaService;
import org.jolokia.server.core.service.request.RequestHandler;

/**
 * The first request handler every Jolokia request meets: it takes (and refuses, with a
 * {@code PermissionDenied:} message that Jolokia returns as a 403 error) each request that
 * {@link AccessPolicy} does not allow, and lets every other request go on to Jolokia's JMX handler.
 *
 * <p>Why a handler and not only the {@link AccessPolicy} restrictor: Jolokia 2.6.0 never asks the
 * restrictor about notification listeners ({@code NotificationHandler.checkForRestriction} is
 * empty), reads every attribute of an MBean before asking about each one, and, with no JSR-160
 * handler present, would serve a proxy request (one with a {@code target}) from the local MBean
 * server instead of refusing it. Stateless and thread-safe.
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
        return refusal(request).isPresent();
    }

    @Override
    public <R extends JolokiaRequest> Object handleRequest(R request, Object previousResult) {
        throw new SecurityException(refusal(request).orElseThrow());
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
                case EXEC -> policy.execRefusal(named.getObjectName(), ((JolokiaExecRequest) named).getOperation());
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
