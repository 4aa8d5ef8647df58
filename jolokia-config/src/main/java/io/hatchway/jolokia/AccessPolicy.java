package io.hatchway.jolokia;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.management.ObjectName;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * Which MBeans a Jolokia client may touch, and how (SPEC.md, "Exposure defaults"):
 * <ul>
 *   <li>the {@code hatchway} domain fully: read, write, exec, list, search, notification listeners;
 *   <li>the {@code java.lang} domain read-only: read, list, search;
 *   <li>everything else refused and hidden from list and search — DiagnosticCommand,
 *       HotSpotDiagnostic, FlightRecorder, MLet, the logging MBeans, {@code JMImplementation},
 *       Jolokia's own MBeans;
 *   <li>the one exception: the {@code pull} operation of this server's own notification store, without
 *       which a client could not fetch the notifications of the {@code hatchway} MBeans it listens to.
 * </ul>
 * A name is judged by its domain alone, never by whether it exists, so a refusal tells nothing about
 * the host's MBeans. A domain pattern ({@code *:type=Foo}, {@code hatch*:*}) is in no domain and is
 * refused. Only POST is allowed, and browser pages only of the {@link TrustedOrigins} (none by default).
 *
 * <p>It is Jolokia's {@link Restrictor} (so Jolokia's own checks and list/search filtering use it)
 * and the rule book of {@link PolicyGuard}, which refuses a request before any MBean is touched and
 * covers what Jolokia leaves unchecked (notification listeners). Immutable and thread-safe.
 */
final class AccessPolicy implements Restrictor {
    static final String HATCHWAY = "hatchway";
    static final String JAVA_LANG = "java.lang";
    private static final Set<RequestType> TYPES = EnumSet.of(RequestType.READ, RequestType.WRITE, RequestType.EXEC,
            RequestType.LIST, RequestType.SEARCH, RequestType.NOTIFICATION, RequestType.VERSION, RequestType.CONFIG);
    private static final String PULL = "pull";

    private final ObjectName notificationStore;
    private final TrustedOrigins origins;

    /**
     * @param notificationStore the name of this server's pull notification store
     * @param origins           the browser origins whose pages may call
     */
    AccessPolicy(ObjectName notificationStore, TrustedOrigins origins) {
        this.notificationStore = Objects.requireNonNull(notificationStore);
        this.origins = Objects.requireNonNull(origins);
    }

    /**
     * Why a request with these {@code Origin} and {@code Referer} headers (each null when absent) is
     * refused (a PermissionDenied message without its kind), naming the header that decided, or empty
     * when it is allowed.
     */
    Optional<String> originRefusal(String originHeader, String refererHeader) {
        return origins.refusal(originHeader, refererHeader);
    }

    /** Why reading attributes of {@code name} is refused, or empty when it is allowed. */
    Optional<String> readRefusal(ObjectName name) {
        return inDomain(name, HATCHWAY) || inDomain(name, JAVA_LANG)
                ? Optional.empty()
                : refusal("reading", name, "only the " + HATCHWAY + " and " + JAVA_LANG + " domains are readable");
    }

    /** Why writing attributes of {@code name} is refused, or empty when it is allowed. */
    Optional<String> writeRefusal(ObjectName name) {
        return inDomain(name, HATCHWAY)
                ? Optional.empty()
                : refusal("writing", name, "only the " + HATCHWAY + " domain is writable");
    }

    /** Why invoking {@code operation} (a name, or a name with a signature) on {@code name} is refused. */
    Optional<String> execRefusal(ObjectName name, String operation) {
        if (inDomain(name, HATCHWAY) || (notificationStore.equals(name) && PULL.equals(operationName(operation)))) {
            return Optional.empty();
        }
        return refusal("invoking operations of", name, "only the " + HATCHWAY + " domain has invocable operations");
    }

    /** Why adding a notification listener to {@code name} is refused, or empty when it is allowed. */
    Optional<String> listenRefusal(ObjectName name) {
        return inDomain(name, HATCHWAY)
                ? Optional.empty()
                : refusal("listening to notifications of", name, "only the " + HATCHWAY + " domain can be listened to");
    }

    // ---- Restrictor: what Jolokia itself asks

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return method == HttpMethod.POST;
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return TYPES.contains(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return readRefusal(name).isEmpty();
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return writeRefusal(name).isEmpty();
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return execRefusal(name, operation).isEmpty();
    }

    /** Any client address: who may connect is decided by the bind address and the password. */
    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return true;
    }

    /**
     * No browser page but those of the trusted origins: scripts and tools send no {@code Origin}
     * (nor {@code Referer}); a page of another origin could only be abusing credentials its browser
     * remembered. Also what Jolokia asks before it answers a trusted page with CORS headers.
     */
    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return origins.isTrusted(origin);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return !inDomain(name, HATCHWAY) && !inDomain(name, JAVA_LANG);
    }

    // ----

    private static boolean inDomain(ObjectName name, String domain) {
        return name != null && !name.isDomainPattern() && name.getDomain().equals(domain);
    }

    private static Optional<String> refusal(String what, ObjectName name, String rule) {
        return Optional.of("PermissionDenied: " + what + " " + name + " is refused by Hatchway's access policy: " + rule);
    }

    // "pull" or "pull(java.lang.String,java.lang.String)" -> "pull"
    private static String operationName(String operation) {
        if (operation == null) {
            return null;
        }
        int paren = operation.indexOf('(');
        return (paren < 0 ? operation : operation.substring(0, paren)).trim();
    }
}
