package io.hatchway.jolokia;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.net.ssl.SSLContext;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.config.SystemPropertyMode;
import org.jolokia.server.core.service.api.SecurityDetails;
import org.jolokia.server.core.util.NetworkUtil;
import org.jolokia.service.jmx.LocalRequestHandler;
import org.jolokia.service.jmx.handler.list.JDKManagementCacheKeyProvider;
import org.jolokia.service.notif.pull.PullNotificationBackend;
import org.jolokia.service.serializer.JolokiaSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hatchway's MBeans as Jolokia JSON over HTTP: an embedded Jolokia 2.6.0 on the JDK HTTP server,
 * with every security decision made here and none left to Jolokia's defaults, the host's system
 * properties or its environment.
 *
 * <p>What a client meets at {@link #url()}:
 * <ul>
 *   <li>{@code POST} only (any other method: HTTP 405), at {@code /jolokia}; and {@code GET} only at
 *       {@code /metrics}, the figures in the Prometheus text format (see {@code ExposureMetrics});
 *   <li>with {@code auth=basic}, HTTP basic authentication as user {@value #USER} with the password
 *       in {@code <stateDir>/}{@value #PASSWORD_FILE} — generated on first start (256 random bits,
 *       URL-safe Base64, mode 0600 from creation on) and reused afterwards; no or wrong credentials:
 *       HTTP 401, with a {@code Basic} challenge unless the request comes from a browser page
 *       ({@code Origin} or {@code Referer}), whose browser would open its own login dialog;
 *   <li>with {@code protocol=https}, TLS with the named PKCS12 keystore or a self-signed certificate
 *       kept in {@code stateDir}; clients trust {@code <stateDir>/jolokia-tls.crt};
 *   <li>the access policy of SPEC.md: the {@code hatchway} domain fully, {@code java.lang}
 *       read-only, everything else refused (a {@code PermissionDenied:} error, Jolokia status 403)
 *       and hidden from {@code list} and {@code search}; notification listeners on {@code hatchway}
 *       MBeans only, fetched with the {@code pull} mode; no proxy requests; no browser pages but
 *       those of {@link ExposureConfig#allowOrigin()} (a request whose {@code Origin}, or else
 *       {@code Referer}, names another origin is refused);
 *   <li>every refused request (authentication, origin, access policy) told in the log once per
 *       client address and reason ({@link RefusalLog});
 *   <li>errors carry {@code error} (the exception's message, e.g. {@code NotFound: exec 'x' ...},
 *       always starting with its kind, never with a Java class name) and {@code error_type}, never
 *       a stack trace nor a serialized exception, whatever the request asks; no answer echoes its
 *       request;
 *   <li>bounds no client can lift (see {@code JolokiaHandler}): a request must arrive whole within
 *       10 s, bodies up to 256 KiB (else HTTP 413), JSON nested up to 64 levels (else HTTP 400),
 *       up to 16 long waits ({@code waitExec}, {@code waitFor}, {@code execInHost}) at once on
 *       threads of their own (else HTTP 429), an {@code exec} with more arguments than its
 *       operation takes refused ({@code InvalidArgument:}).
 * </ul>
 *
 * <p>Side effects on the JVM: Jolokia registers its pull notification store ({@code jolokia:*}, only
 * reachable for the notification pull) in the served MBean server until {@link #close()}, and
 * nothing in any other; unless the host set it already, the system property
 * {@code sun.net.httpserver.nodelay} is set to {@code true} before the first server starts — without
 * it the JDK HTTP server answers each keep-alive request of a Java client about 45 ms late (Nagle's
 * algorithm meeting delayed ACKs). The JDK reads that property once, when its HTTP server is first
 * used in the JVM, so it has no effect when the host started a JDK HTTP server before us. For the
 * same reason no other {@code sun.net.httpserver.*} property is set (the request-read timeout is our
 * own, see {@code IoDeadlines}).
 *
 * <p>Threads: all daemon, named {@code hatchway-jolokia-*} (see {@code ExposurePools}): up to 32
 * HTTP readers, up to 16 long waits and a deadline timer (all ending when idle), the server's
 * dispatcher and its idle timer. {@link #close()} ends them all.
 *
 * <p>Thread-safe: the accessors may be called from any thread, {@code close} too, any number of
 * times.
 */
public final class JolokiaExposure implements AutoCloseable {
    /*
     * Design notes.
     *
     * Why not Jolokia's own JolokiaServer/JolokiaServerConfig: JolokiaServer.start() also creates an
     * HTTP context "<agentContext>/config" on the same handler with no authenticator, and that
     * handler takes the request type from the POST body, not the path: a POST of any request to
     * /jolokia/config is served without credentials (verified on 2.6.0). It also reads the policy
     * from the class path (none = allow all), instantiates the log handler, restrictor and
     * authenticator by class name, looks services and detectors up in META-INF/jolokia/* through the
     * context class loader, and starts threads of its own (a non-daemon "jolokia" thread group, a
     * shutdown hook). Here the services are built by hand: the restrictor, log handler and services
     * are instances, no detectors, and OneServerContext runs them on the one MBean server given
     * (Jolokia's service manager would add the platform one), and the only class-path lookups left are
     * inside Jolokia's JMX handler (META-INF/jolokia/command-handlers) and JSON serializer
     * (META-INF/jolokia/simplifiers-default), made on our threads whose context class loader is ours.
     *
     * Why not Jolokia's JolokiaHttpHandler either: it hands the request stream to the JSON parser
     * unbounded (a 100 MB body filled the heap, 10,000 nested arrays overflowed the stack), serves
     * every request on the thread that read it, and writes the answer itself, so its errors could
     * not be given their kind. JolokiaHandler reads the body within bounds, then calls the same
     * HttpRequestHandler, tidies the JSON answer and writes it.
     *
     * Jolokia settings, all from the map below with SystemPropertyMode.NEVER, so no jolokia.* system
     * property or JOLOKIA_* environment variable is read:
     *   agentId              hatchway-<port>-<random>: names Jolokia's own MBeans, unique in the JVM
     *   agentContext         /jolokia: the path Jolokia's handler strips from request URIs
     *   allowErrorDetails    false: no stack trace, no serialized exception, whatever the request
     *   includeStackTrace    false, serializeException false: the same, as defaults
     *   allowDnsReverseLookup false: no DNS lookup of clients
     *   discoveryEnabled     false, disableDetectors true: no multicast, no probing of host MBeans
     *   debug                false: no debug store of requests
     *   maxDepth             15: as Jolokia's JVM agent, bounds serialization of deep objects
     *   includeRequest       false: answers do not echo requests (JolokiaHandler drops the echo a
     *                        request asks for too)
     * Not present at all (excluded from the dependencies): JSR-160 proxy, discovery, history, SSE
     * notifications, server detectors.
     *
     * Known limit: notification listeners that clients added stay on the hatchway MBeans after close()
     * (Jolokia keeps their registrations private); they hold at most 100 notifications each and go
     * when those MBeans are unregistered.
     */

    /** The user of basic authentication. */
    public static final String USER = "hatchway";
    /** The password file's name in {@code stateDir}. */
    public static final String PASSWORD_FILE = "jolokia.password";
    static final String CONTEXT = "/jolokia";
    static final String NODELAY = "sun.net.httpserver.nodelay";
    private static final String REALM = "hatchway";
    private static final int BACKLOG = 50;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(JolokiaExposure.class);

    private final HttpServer server;
    private final ExposurePools pools;
    private final OneServerContext jolokia;
    private final ExposureThreads threads;
    private final String url;
    private final Optional<Path> passwordFile;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JolokiaExposure(HttpServer server, ExposurePools pools, OneServerContext jolokia,
                            ExposureThreads threads, String url, Optional<Path> passwordFile) {
        this.server = server;
        this.pools = pools;
        this.jolokia = jolokia;
        this.threads = threads;
        this.url = url;
        this.passwordFile = passwordFile;
    }

    /**
     * Starts serving the platform MBean server (creating it if need be) as {@code config} says, and
     * returns once the server listens. The work is done on a
     * daemon thread {@code hatchway-jolokia-start}; the caller waits for it. With {@code https} and no
     * keystore, the first start in a {@code stateDir} spends a few seconds making the key.
     *
     * @param config what to serve, where and how
     * @return the running server
     * @throws NullPointerException     if {@code config} is null
     * @throws IllegalArgumentException if {@code auth=none} is asked for on an address that is not
     *                                  loopback
     * @throws IOException              if the port is taken or the address cannot be bound (the message
     *                                  names {@code host:port}), {@code host} does not resolve, or a file
     *                                  in {@code stateDir} or the keystore cannot be created, read or used
     * @throws IllegalStateException    if Jolokia itself cannot start, which means a broken packaging:
     *                                  its classes or its {@code META-INF/jolokia/*} lists are missing
     */
    public static JolokiaExposure start(ExposureConfig config) throws IOException {
        return start(config, java.lang.management.ManagementFactory.getPlatformMBeanServer());
    }

    /**
     * Starts serving the MBeans of {@code mbeans}, and only those, as {@link #start(ExposureConfig)}
     * does. Jolokia's own MBeans ({@code jolokia:*}) are registered there too, until {@link #close()}.
     *
     * @param config what to serve, where and how
     * @param mbeans the MBean server to serve
     * @return the running server
     * @throws NullPointerException if an argument is null
     * @throws IOException          as {@link #start(ExposureConfig)}
     */
    public static JolokiaExposure start(ExposureConfig config, MBeanServer mbeans) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(mbeans, "mbeans");
        InetAddress address = InetAddress.getByName(config.host());
        boolean basic = config.auth().equals(ExposureConfig.AUTH_BASIC);
        if (!basic && !address.isLoopbackAddress()) {
            throw new IllegalArgumentException("auth=none is refused on host " + config.host() + " ("
                    + address.getHostAddress() + "): without authentication Jolokia may only listen on a loopback "
                    + "address such as 127.0.0.1; use auth=basic or a loopback host");
        }
        PrivateFiles.createDirectories(config.stateDir());
        RefusalLog refusals = new RefusalLog();
        Optional<Path> passwordFile = Optional.empty();
        BasicAuthenticator authenticator = null;
        if (basic) {
            Path file = config.stateDir().resolve(PASSWORD_FILE);
            authenticator = new PasswordAuthenticator(USER, PrivateFiles.readOrCreateSecret(file), refusals);
            passwordFile = Optional.of(file);
        }
        SSLContext tls = config.protocol().equals(ExposureConfig.HTTPS) ? TlsContext.create(config) : null;
        enableNoDelay();

        ExposureThreads threads = new ExposureThreads();
        BasicAuthenticator auth = authenticator;
        Optional<Path> password = passwordFile;
        try {
            return threads.runOnOwnThread("start", () -> open(config, mbeans, address, auth, tls, password,
                    refusals, threads));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start Jolokia: " + e, e);
        }
    }

    /**
     * The URL clients use.
     *
     * @return the URL with the real address and port, e.g. {@code http://127.0.0.1:41234/jolokia/};
     *         for a wildcard {@code host} ({@code 0.0.0.0}) one of this machine's addresses
     */
    public String url() {
        return url;
    }

    /**
     * Where the password of user {@value #USER} is.
     *
     * @return {@code <stateDir>/jolokia.password} with {@code auth=basic}; empty with {@code auth=none}
     */
    public Optional<Path> passwordFile() {
        return passwordFile;
    }

    /**
     * Stops serving: closes the port and open connections (a request in progress is cut), unregisters
     * Jolokia's own MBeans and ends every thread this server started, waiting up to 10 seconds for
     * them. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        pools.close();
        jolokia.stop();
        if (!threads.awaitEnd(CLOSE_TIMEOUT)) {
            log.warn("some hatchway-jolokia threads were still running {} after close", CLOSE_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "JolokiaExposure[" + url + (closed.get() ? ", closed" : "") + "]";
    }

    // ---- start-up, on our own thread

    private static JolokiaExposure open(ExposureConfig config, MBeanServer mbeans, InetAddress address,
                                        BasicAuthenticator authenticator, SSLContext tls, Optional<Path> passwordFile,
                                        RefusalLog refusals, ExposureThreads threads)
            throws IOException {
        InetSocketAddress socket = new InetSocketAddress(address, config.port());
        HttpServer server;
        try {
            server = tls == null ? HttpServer.create(socket, BACKLOG) : HttpsServer.create(socket, BACKLOG);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + hostAndPort(config.host(), config.port()) + ": "
                    + e.getMessage(), e);
        }
        OneServerContext jolokia = null;
        ExposurePools pools = null;
        try {
            if (tls != null) {
                ((HttpsServer) server).setHttpsConfigurator(new HttpsConfigurator(tls));
            }
            int port = server.getAddress().getPort();
            String agentId = "hatchway-" + port + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
            AccessPolicy policy = new AccessPolicy(notificationStore(agentId),
                    new TrustedOrigins(config.allowOrigin()));
            StaticConfiguration configuration = jolokiaConfiguration(agentId);
            if (authenticator != null) {
                // announced by the "config" request, which tools such as Hawtio ask first
                configuration.addSupportedAuthentication(SecurityDetails.AuthMethod.BASIC, REALM);
            }
            ExposureMetrics metrics = ExposureMetrics.of(mbeans);
            jolokia = OneServerContext.start(configuration, new Slf4jLogHandler(), policy, metrics.timed(mbeans), List.of(
                    new PolicyGuard(policy), new LocalRequestHandler(1000), new JDKManagementCacheKeyProvider(100),
                    new JolokiaSerializer(), new PullNotificationBackend(100)));

            String url = url(config.protocol(), server.getAddress());
            jolokia.getAgentDetails().updateAgentParameters(url, authenticator != null);
            pools = new ExposurePools(threads);
            HttpContext http = server.createContext(CONTEXT, pools.handler(jolokia, policy, refusals));
            HttpContext scrape = server.createContext(ExposureMetrics.PATH, pools.metricsHandler(metrics, jolokia));
            if (authenticator != null) {
                http.setAuthenticator(authenticator);
                scrape.setAuthenticator(authenticator);
            }
            server.setExecutor(pools.serverExecutor());
            server.start();
            threads.adoptOthers();
            log.info("Jolokia serves {} ({})", url, authenticator != null
                    ? "user " + USER + ", password in " + passwordFile.orElseThrow()
                    : "no authentication, loopback only");
            return new JolokiaExposure(server, pools, jolokia, threads, url, passwordFile);
        } catch (RuntimeException | Error e) {
            server.stop(0);
            if (pools != null) {
                pools.close();
            }
            if (jolokia != null) {
                jolokia.stop();
            }
            throw e;
        }
    }

    private static StaticConfiguration jolokiaConfiguration(String agentId) {
        Map<String, String> settings = new HashMap<>();
        settings.put(ConfigKey.AGENT_ID.getKeyValue(), agentId);
        settings.put(ConfigKey.AGENT_CONTEXT.getKeyValue(), CONTEXT);
        settings.put(ConfigKey.ALLOW_ERROR_DETAILS.getKeyValue(), "false");
        settings.put(ConfigKey.INCLUDE_STACKTRACE.getKeyValue(), "false");
        settings.put(ConfigKey.SERIALIZE_EXCEPTION.getKeyValue(), "false");
        settings.put(ConfigKey.ALLOW_DNS_REVERSE_LOOKUP.getKeyValue(), "false");
        settings.put(ConfigKey.DISCOVERY_ENABLED.getKeyValue(), "false");
        settings.put(ConfigKey.DISABLE_DETECTORS.getKeyValue(), "true");
        settings.put(ConfigKey.DEBUG.getKeyValue(), "false");
        settings.put(ConfigKey.MAX_DEPTH.getKeyValue(), "15");
        settings.put(ConfigKey.INCLUDE_REQUEST.getKeyValue(), "false");
        return new StaticConfiguration(settings, null, SystemPropertyMode.NEVER);
    }

    private static ObjectName notificationStore(String agentId) {
        try {
            return new ObjectName(PullNotificationBackend.OBJECT_NAME + ",agent=" + agentId);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void enableNoDelay() {
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
    }

    static String url(String protocol, InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address.isAnyLocalAddress()) {
            try {
                address = NetworkUtil.getLocalAddress();
            } catch (IOException | RuntimeException e) {
                address = InetAddress.getLoopbackAddress();
            }
        }
        return protocol + "://" + hostAndPort(address.getHostAddress(), bound.getPort()) + CONTEXT + "/";
    }

    private static String hostAndPort(String host, int port) {
        if (host.indexOf(':') >= 0) {
            int scope = host.indexOf('%');
            return "[" + (scope < 0 ? host : host.substring(0, scope)) + "]:" + port;
        }
        return host + ":" + port;
    }

    /** User and password compared in constant time; each refusal told to the {@link RefusalLog}. */
    private static final class PasswordAuthenticator extends BasicAuthenticator {
        private final byte[] user;
        private final byte[] password;
        private final RefusalLog refusals;

        PasswordAuthenticator(String user, String password, RefusalLog refusals) {
            super(REALM, StandardCharsets.UTF_8);
            this.user = user.getBytes(StandardCharsets.UTF_8);
            this.password = password.getBytes(StandardCharsets.UTF_8);
            this.refusals = refusals;
        }

        @Override
        public Result authenticate(HttpExchange exchange) {
            Result result = super.authenticate(exchange);
            if (!(result instanceof Success)) {
                if (fromBrowserPage(exchange)) {
                    // a Basic challenge makes the browser open its own login dialog over the page (and
                    // leaves a headless one waiting); a console such as Hawtio asks for the password
                    // itself and sends it with every request
                    exchange.getResponseHeaders().remove("WWW-Authenticate");
                }
                // Retry: no Basic credentials at all (the challenge); Failure: wrong ones
                refusals.refused(exchange.getRemoteAddress().getAddress().getHostAddress(),
                        RefusalLog.Reason.AUTHENTICATION, result instanceof Failure
                                ? "wrong user or password for " + USER + " (HTTP 401)"
                                : "no basic credentials (HTTP 401)");
            }
            return result;
        }

        private static boolean fromBrowserPage(HttpExchange exchange) {
            return exchange.getRequestHeaders().containsKey(TrustedOrigins.ORIGIN)
                    || exchange.getRequestHeaders().containsKey(TrustedOrigins.REFERER);
        }

        @Override
        public boolean checkCredentials(String user, String password) {
            boolean userMatches = MessageDigest.isEqual(this.user, user.getBytes(StandardCharsets.UTF_8));
            boolean passwordMatches = MessageDigest.isEqual(this.password, password.getBytes(StandardCharsets.UTF_8));
            return userMatches & passwordMatches;
        }
    }
}
