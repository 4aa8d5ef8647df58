package io.hatchway.jolokia;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.hatchway.jolokia.ErrorAnswers.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.jolokia.server.core.service.api.JolokiaContext;

/**
 * The handler of {@code GET /metrics}: the figures of {@link ExposureMetrics} for a Prometheus
 * scraper, behind the same authentication and bounds as {@code /jolokia} (the same reader threads,
 * the same read deadline, the answer written within {@link JolokiaHandler#WRITE_TIMEOUT}).
 * Anything but {@code GET}: HTTP 405; a request with a body: HTTP 400; a browser page (an
 * {@code Origin} or {@code Referer} the access policy does not allow): HTTP 403; another path under
 * {@code /metrics}: HTTP 404; figures that cannot be made: HTTP 503. Thread-safe.
 */
final class MetricsHandler implements HttpHandler {
    private final ExposureMetrics metrics;
    private final JolokiaContext access;
    private final IoDeadlines deadlines;

    MetricsHandler(ExposureMetrics metrics, JolokiaContext access, IoDeadlines deadlines) {
        this.metrics = metrics;
        this.access = access;
        this.deadlines = deadlines;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            refuse(exchange, 405, Kind.InvalidArgument, exchange.getRequestMethod().replaceAll("[^A-Za-z]", "")
                    + " is not served here: " + ExposureMetrics.PATH + " answers GET requests only");
            return;
        }
        var headers = exchange.getRequestHeaders();
        if (headers.containsKey("Transfer-Encoding") || !"0".equals(headers.getOrDefault("Content-Length",
                java.util.List.of("0")).get(0).strip())) {
            exchange.getResponseHeaders().set("Connection", "close"); // the body is never read
            refuse(exchange, 400, Kind.InvalidArgument, "a GET " + ExposureMetrics.PATH + " request has no body");
            return;
        }
        if (!IoDeadlines.endReading()) {
            throw new InterruptedIOException("the request was not read within " + JolokiaHandler.READ_TIMEOUT);
        }
        String origin = headers.getFirst("Origin") != null ? headers.getFirst("Origin") : headers.getFirst("Referer");
        if (!access.isOriginAllowed(origin, true)) {
            refuse(exchange, 403, Kind.PermissionDenied, "requests from browser pages (Origin or Referer) are "
                    + "not served");
            return;
        }
        String path = exchange.getRequestURI().getPath();
        if (!path.equals(ExposureMetrics.PATH) && !path.equals(ExposureMetrics.PATH + "/")) {
            refuse(exchange, 404, Kind.NotFound, "nothing is served at this path; the figures are at "
                    + ExposureMetrics.PATH);
            return;
        }
        if (metrics.unavailable().isPresent()) {
            refuse(exchange, 503, Kind.Unavailable, metrics.unavailable().get());
            return;
        }
        String accept = headers.getFirst("Accept");
        ByteArrayOutputStream text = new ByteArrayOutputStream(16 * 1024);
        metrics.write(text, accept);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        write(exchange, 200, metrics.contentType(accept), text.toByteArray());
    }

    private void refuse(HttpExchange exchange, int status, Kind kind, String message) throws IOException {
        write(exchange, status, "text/plain; charset=utf-8",
                ErrorAnswers.error(status, kind, message).toJSONString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the answer within {@link JolokiaHandler#WRITE_TIMEOUT} and ends the exchange. */
    private void write(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        IoDeadlines.Deadline deadline = deadlines.start(JolokiaHandler.WRITE_TIMEOUT);
        try {
            boolean none = body.length == 0 || "HEAD".equals(exchange.getRequestMethod()); // HEAD: headers only
            exchange.sendResponseHeaders(status, none ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (!none) {
                    out.write(body);
                }
            }
        } finally {
            deadline.end();
            exchange.close();
        }
    }
}
