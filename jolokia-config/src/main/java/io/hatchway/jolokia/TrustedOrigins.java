package io.hatchway.jolokia;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The browser origins trusted to call (the {@code allowOrigin} option): a request whose {@code Origin}
 * header, or, without one, whose {@code Referer} header comes from a page is served only when that
 * page's origin is one of them. Scripts and tools send neither header; a page of any other origin
 * could only be abusing credentials its browser remembered. A web console with a server-side proxy
 * (Hawtio) forwards its own page's headers, so its origin is the one to trust.
 *
 * <p>An origin is {@code scheme://host[:port]}, {@code http} or {@code https}, nothing after it
 * (a trailing {@code /} is tolerated); matched exactly, scheme and host case-insensitive, the
 * default port (80, 443) the same written or not. The opaque origin {@code null} (sandboxed frames,
 * {@code file:} pages) is never trusted. Immutable and thread-safe.
 */
final class TrustedOrigins {
    static final String ORIGIN = "Origin";
    static final String REFERER = "Referer";
    /** The most of a header's value a refusal message quotes. */
    private static final int QUOTED = 120;

    private final Set<String> origins;

    /**
     * @param origins each in the form {@link #origin(String)} accepts
     * @throws IllegalArgumentException naming an origin that is not one
     */
    TrustedOrigins(Collection<String> origins) {
        this.origins = origins.stream().map(TrustedOrigins::origin).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The origin in the form requests are compared in.
     *
     * @throws IllegalArgumentException saying what an origin looks like when {@code value} is not one
     */
    static String origin(String value) {
        String trimmed = value.strip();
        Optional<String> origin = parse(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed, false);
        return origin.orElseThrow(() -> new IllegalArgumentException("allowOrigin '" + value + "' is not an origin: "
                + "scheme://host[:port] with scheme http or https and nothing after it, e.g. http://localhost:8080"));
    }

    /** Whether {@code origin} (an {@code Origin} header's value) is trusted; no header at all is. */
    boolean isTrusted(String origin) {
        return origin == null || parse(origin.strip(), false).filter(origins::contains).isPresent();
    }

    /**
     * Why a request with these headers is refused (a PermissionDenied message, without the kind), or
     * empty when it is served: no {@code Origin} nor {@code Referer}, or the page's origin is trusted.
     * {@code Origin} decides when it is there.
     */
    Optional<String> refusal(String originHeader, String refererHeader) {
        String header = originHeader != null ? ORIGIN : REFERER;
        String value = originHeader != null ? originHeader : refererHeader;
        if (value == null) {
            return Optional.empty();
        }
        Optional<String> origin = parse(value.strip(), header.equals(REFERER));
        if (origin.filter(origins::contains).isPresent()) {
            return Optional.empty();
        }
        String from = origin.map(o -> "from " + o).orElse("'" + quoted(value) + "'");
        String rule = origins.isEmpty()
                ? "requests from browser pages are refused unless the agent option allowOrigin names their origin"
                : "the agent option allowOrigin trusts only " + String.join(", ", origins.stream().sorted().toList());
        return Optional.of("the request's " + header + " header (" + from + ") is not a trusted origin: "
                + rule);
    }

    Set<String> origins() {
        return origins;
    }

    // scheme://host[:port], lower case, default port dropped; a Referer's path, query and fragment dropped
    private static Optional<String> parse(String value, boolean isReferer) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawUserInfo() != null
                || !isReferer && (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null)) {
            return Optional.empty();
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port));
    }

    private static String quoted(String value) {
        String printable = value.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= QUOTED ? printable : printable.substring(0, QUOTED) + "...";
    }

    @Override
    public String toString() {
        return String.join(",", origins.stream().sorted().toList());
    }
}
