package io.hatchway.jolokia;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How Hatchway exposes its MBeans as Jolokia JSON over HTTP: the agent options {@code host},
 * {@code port}, {@code auth}, {@code protocol}, {@code stateDir} and {@code allowOrigin} of SPEC.md,
 * plus an optional PKCS12 keystore for HTTPS.
 *
 * <p>The constructor checks each value on its own (non-null, known words, port range, a keystore
 * only with HTTPS and always with its password). What needs the network — resolving {@code host}
 * and refusing {@code auth=none} on an address that is not loopback — is checked by
 * {@link JolokiaExposure#start(ExposureConfig)}. Immutable and thread-safe; {@link #toString()}
 * never shows the keystore password.
 *
 * @param host             address to bind: an IP literal or a host name; {@code 127.0.0.1} by default
 * @param port             TCP port, {@code 0} picks a free one; {@code 8778} by default
 * @param auth             {@code basic} (user {@value JolokiaExposure#USER}, password in
 *                         {@code <stateDir>/jolokia.password}) or {@code none} (loopback only)
 * @param protocol         {@code http} or {@code https}
 * @param stateDir         where the password file and a generated TLS key live; created (mode 0700)
 *                         when missing
 * @param keystore         with {@code https}: a PKCS12 keystore holding the server key and
 *                         certificate; empty means a self-signed one generated into {@code stateDir}
 * @param keystorePassword the password of {@code keystore}; present exactly when {@code keystore} is
 * @param allowOrigin      the browser origins ({@code scheme://host[:port]}) whose pages may call, kept
 *                         in the form requests are compared in; empty (the default): no browser page
 */
public record ExposureConfig(String host, int port, String auth, String protocol, Path stateDir,
                             Optional<Path> keystore, Optional<String> keystorePassword, List<String> allowOrigin) {
    /** Loopback: reachable from this machine only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Jolokia's customary port. */
    public static final int DEFAULT_PORT = 8778;
    /** {@code auth}: HTTP basic authentication with the generated password. */
    public static final String AUTH_BASIC = "basic";
    /** {@code auth}: none, allowed on a loopback address only. */
    public static final String AUTH_NONE = "none";
    /** {@code protocol}: plain HTTP. */
    public static final String HTTP = "http";
    /** {@code protocol}: HTTP over TLS. */
    public static final String HTTPS = "https";

    /**
     * Checks each value; see the class comment for what is left to {@code start}.
     *
     * @throws NullPointerException     if any argument is null
     * @throws IllegalArgumentException if a value is refused; the message names the value and says
     *                                  what is accepted
     */
    public ExposureConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(keystorePassword, "keystorePassword");
        allowOrigin = new TrustedOrigins(Objects.requireNonNull(allowOrigin, "allowOrigin")).origins().stream()
                .sorted().toList();
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty: give an address to bind, e.g. " + DEFAULT_HOST);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range: 0 (pick a free one) to 65535");
        }
        if (!auth.equals(AUTH_BASIC) && !auth.equals(AUTH_NONE)) {
            throw new IllegalArgumentException("auth '" + auth + "' is unknown: 'basic' or 'none'");
        }
        if (!protocol.equals(HTTP) && !protocol.equals(HTTPS)) {
            throw new IllegalArgumentException("protocol '" + protocol + "' is unknown: 'http' or 'https'");
        }
        if (keystore.isPresent() && !protocol.equals(HTTPS)) {
            throw new IllegalArgumentException("a keystore (" + keystore.get() + ") is only used with protocol=https");
        }
        if (keystore.isPresent() != keystorePassword.isPresent()) {
            throw new IllegalArgumentException(keystore.isPresent()
                    ? "the keystore " + keystore.get() + " needs its password"
                    : "a keystore password was given without a keystore");
        }
    }

    /**
     * The same, trusting no browser origin.
     *
     * @throws NullPointerException     if any argument is null
     * @throws IllegalArgumentException as the canonical constructor
     */
    public ExposureConfig(String host, int port, String auth, String protocol, Path stateDir,
                          Optional<Path> keystore, Optional<String> keystorePassword) {
        this(host, port, auth, protocol, stateDir, keystore, keystorePassword, List.of());
    }

    /**
     * One {@code allowOrigin} entry in the form requests are compared with: {@code scheme://host[:port]}
     * lower case, without the default port.
     *
     * @param value e.g. {@code http://localhost:8080}
     * @return the origin
     * @throws IllegalArgumentException saying what an origin looks like when {@code value} is not one
     */
    public static String origin(String value) {
        return TrustedOrigins.origin(Objects.requireNonNull(value, "value"));
    }

    /**
     * The defaults of SPEC.md: {@code 127.0.0.1:8778}, basic authentication, plain HTTP.
     *
     * @param stateDir where the password file lives
     * @return the default configuration
     * @throws NullPointerException if {@code stateDir} is null
     */
    public static ExposureConfig defaults(Path stateDir) {
        return new ExposureConfig(DEFAULT_HOST, DEFAULT_PORT, AUTH_BASIC, HTTP, stateDir, Optional.empty(),
                Optional.empty());
    }

    @Override
    public String toString() {
        return "ExposureConfig[host=" + host + ", port=" + port + ", auth=" + auth + ", protocol=" + protocol
                + ", stateDir=" + stateDir
                + (protocol.equals(HTTPS) ? ", keystore=" + keystore.map(Path::toString).orElse("generated") : "")
                + (keystorePassword.isPresent() ? ", keystorePassword=***" : "")
                + (allowOrigin.isEmpty() ? "" : ", allowOrigin=" + String.join(",", allowOrigin)) + "]";
    }
}
