package io.hatchway.jolokia;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import io.hatchway.jolokia.ErrorAnswers.Kind;
import io.hatchway.jolokia.RefusalLog.Reason;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jolokia.json.JSONObject;
import org.jolokia.json.JSONStructure;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;
import org.jolokia.jvmagent.ParsedUri;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.EmptyResponseException;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.util.MimeTypeUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of {@code /jolokia}, in place of Jolokia's {@code JolokiaHttpHandler}: it reads each
 * request within bounds before Jolokia sees it, sends long waits to a pool of their own, and tidies
 * every answer ({@link ErrorAnswers}).
 *
 * <p>What a client meets (the README's "Exposure" paragraph):
 * <ul>
 *   <li>anything but {@code POST}: HTTP 405;
 *   <li>a request from a browser page ({@code Origin}, else {@code Referer}) of an origin not in
 *       {@link TrustedOrigins}: a {@code PermissionDenied:} error (status 403, HTTP 200 as Jolokia
 *       answers its own refusals) naming the header;
 *   <li>a body over {@value #MAX_BODY_BYTES} bytes: HTTP 413 with {@code ResourceExhausted: ...},
 *       as soon as its {@code Content-Length} says so or, chunked, once one byte more has arrived;
 *       the rest is never read and the connection is closed;
 *   <li>JSON nested deeper than {@value #MAX_NESTING} arrays or objects, or no JSON at all: HTTP 400
 *       with {@code InvalidArgument: ...}, before anything parses it;
 *   <li>a request (line, headers and body) not received in full within {@link #READ_TIMEOUT}: the
 *       connection is closed, with no answer; an answer not taken by the client within
 *       {@link #WRITE_TIMEOUT}: the same;
 *   <li>{@code waitExec}, {@code waitFor} and {@code execInHost} (operations that wait up to their
 *       {@code timeoutMillis}) run on a pool of their own, so they never hold the threads that
 *       serve everything else; with {@code waits} of them running, one more is answered HTTP 429
 *       with {@code ResourceExhausted: ...} (a bulk request holding one counts as one);
 *   <li>answers otherwise as Jolokia gives them, HTTP 200 with the status in the JSON, without the
 *       {@code request} echo, each {@code error} starting with its kind; a bulk request's answers
 *       written (chunked) one by one as they are made, never held together.
 * </ul>
 * Every refusal (origin, access policy) is told to {@link RefusalLog}. Our own limits' refusals have Jolokia's error shape ({@code status}, {@code error}, {@code error_type}) with
 * the same status in HTTP.
 *
 * <p>Thread-safe: runs on the server's reader threads and on the waits pool.
 */
final class JolokiaHandler implements HttpHandler {
    /**
     * The largest request body read, in bytes (256 KiB): far above any Hatchway request, and small
     * enough that every reader holding one, parsed twice and answered, stays a small part of a host's
     * heap.
     */
    static final int MAX_BODY_BYTES = 256 * 1024;
    /** The deepest nesting of JSON arrays and objects in a request. */
    static final int MAX_NESTING = 64;
    /** How long a client has to send a whole request, from its first byte on. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** How long a client has to take its whole answer. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** The operations that wait up to their {@code timeoutMillis}: they run on the waits pool. */
    static final Set<String> LONG_WAITS = Set.of("waitExec", "waitFor", "execInHost");

    private static final byte[] METHOD_REFUSAL = (ErrorAnswers.error(405, Kind.NotImplemented,
            "Hatchway's Jolokia answers POST requests only").toJSONString() + "\n").getBytes(StandardCharsets.UTF_8);
    private static final Pattern CHARSET = Pattern.compile(";\\s*charset\\s*=\\s*\"?([^\";,\\s]+)", Pattern.CASE_INSENSITIVE);
    private static final Logger log = LoggerFactory.getLogger(JolokiaHandler.class);

    private final JolokiaContext context;
    private final AccessPolicy policy;
    private final RefusalLog refusals;
    private final HttpRequestHandler jolokia;
    private final ExecutorService waits;
    private final int maxWaits;
    private final IoDeadlines deadlines;

    /**
     * @param waits    runs long waits; rejects one when {@code maxWaits} run
     * @param maxWaits how many long waits {@code waits} runs at most (named in the refusal)
     * @param policy   decides which browser origins may call (Jolokia's restrictor decides the rest)
     * @param refusals told of every refused request
     */
    JolokiaHandler(JolokiaContext context, ExecutorService waits, int maxWaits, IoDeadlines deadlines,
                   AccessPolicy policy, RefusalLog refusals) {
        this.context = context;
        this.policy = policy;
        this.refusals = refusals;
        this.jolokia = new HttpRequestHandler(context);
        this.waits = waits;
        this.maxWaits = maxWaits;
        this.deadlines = deadlines;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            refuseMethod(exchange);
            return;
        }
        Charset charset;
        try {
            charset = charset(exchange);
        } catch (IllegalArgumentException e) {
            refuse(exchange, 400, Kind.InvalidArgument, e.getMessage());
            return;
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            return;
        }
        if (!IoDeadlines.endReading()) {
            throw new InterruptedIOException("the request was not read within " + READ_TIMEOUT);
        }
        String json = new String(body, charset);
        int depth = nesting(json);
        if (depth > MAX_NESTING) {
            refuse(exchange, 400, Kind.InvalidArgument, "the request nests JSON arrays and objects deeper than "
                    + MAX_NESTING + " levels");
            return;
        }
        Object request;
        try {
            request = new JSONParser().parse(json);
        } catch (ParseException | IOException | RuntimeException e) {
            refuse(exchange, 400, Kind.InvalidArgument, "the request is not valid JSON: "
                    + ErrorAnswers.withoutClassNames(e.getMessage()));
            return;
        }
        if (!isLongWait(request)) {
            serve(exchange, request, body, charset);
            return;
        }
        try {
            waits.execute(() -> serveQuietly(exchange, request, body, charset));
        } catch (RejectedExecutionException e) {
            refuse(exchange, 429, Kind.ResourceExhausted, maxWaits + " long waits (" + String.join(", ",
                    LONG_WAITS.stream().sorted().toList()) + ") are running on this server; retry when one has ended");
        }
    }

    // ---- reading

    /** The body, or null when it was refused (answered here). */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && parsesOver(length, MAX_BODY_BYTES)) {
            refuseTooLarge(exchange);
            return null;
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            refuseTooLarge(exchange);
            return null;
        }
        return body;
    }

    private static boolean parsesOver(String length, long limit) {
        try {
            return Long.parseLong(length.strip()) > limit;
        } catch (NumberFormatException e) {
            return false; // the JDK server refuses a malformed length before we run
        }
    }

    private void refuseTooLarge(HttpExchange exchange) throws IOException {
        // the rest of the body is never read: the connection cannot carry another request
        exchange.getResponseHeaders().set("Connection", "close");
        refuse(exchange, 413, Kind.ResourceExhausted, "the request body is larger than " + MAX_BODY_BYTES
                + " bytes");
    }

    private static Charset charset(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        Matcher matcher = CHARSET.matcher(type == null ? "" : type);
        if (!matcher.find()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(matcher.group(1));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new IllegalArgumentException("the request's charset '" + matcher.group(1) + "' is not supported");
        }
    }

    /**
     * The deepest nesting of arrays and objects in {@code json}, counting no further than one past
     * {@link #MAX_NESTING}; brackets inside strings do not count. No parser runs, so no depth can
     * exhaust a stack.
     */
    static int nesting(String json) {
        int depth = 0;
        int deepest = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                deepest = Math.max(deepest, ++depth);
                if (deepest > MAX_NESTING) {
                    return deepest;
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return deepest;
    }

    /** Whether {@code request} (one request or a bulk) invokes a long wait. */
    static boolean isLongWait(Object request) {
        if (request instanceof List<?> bulk) {
            return bulk.stream().anyMatch(JolokiaHandler::isLongWait);
        }
        if (request instanceof Map<?, ?> one && "exec".equalsIgnoreCase(String.valueOf(one.get("type")))
                && one.get("operation") instanceof String operation) {
            int signature = operation.indexOf('(');
            return LONG_WAITS.contains((signature < 0 ? operation : operation.substring(0, signature)).strip());
        }
        return false;
    }

    // ---- serving

    private void serveQuietly(HttpExchange exchange, Object request, byte[] body, Charset charset) {
        try {
            serve(exchange, request, body, charset);
        } catch (IOException | RuntimeException e) {
            log.debug("answering a long wait failed: {}", e.toString());
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange, Object request, byte[] body, Charset charset) throws IOException {
        ParsedUri uri = new ParsedUri(exchange.getRequestURI(), JolokiaExposure.CONTEXT);
        String client = exchange.getRemoteAddress().getAddress().getHostAddress();
        String originHeader = header(exchange, TrustedOrigins.ORIGIN);
        String mimeType = MimeTypeUtil.getResponseMimeType(uri.getParameter(ConfigKey.MIME_TYPE.getKeyValue()),
                context.getConfig(ConfigKey.MIME_TYPE), null);
        Optional<String> untrusted = policy.originRefusal(originHeader, header(exchange, TrustedOrigins.REFERER));
        if (untrusted.isPresent()) {
            refusals.refused(client, Reason.ORIGIN, Kind.PermissionDenied + ": " + untrusted.get());
            send(exchange, 200, mimeType, ErrorAnswers.error(403, Kind.PermissionDenied, untrusted.get()));
            return;
        }
        String origin = jolokia.extractCorsOrigin(originHeader);
        if (origin != null) {
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
            exchange.getResponseHeaders().set("Access-Control-Allow-Credentials", "true");
        }
        try {
            jolokia.checkAccess(exchange instanceof HttpsExchange ? "https" : "http", null, client, originHeader);
        } catch (RuntimeException e) {
            JSONObject refusal = jolokia.handleThrowable(e);
            ErrorAnswers.tidy(refusal);
            noteRefusal(client, refusal);
            send(exchange, 200, mimeType, refusal);
            return;
        }
        if (request instanceof List<?> bulk) {
            sendBulk(exchange, uri, client, mimeType, bulk);
        } else {
            send(exchange, 200, mimeType, answer(uri, client, body, charset));
        }
    }

    /** Jolokia's answer to one request (or, from {@code body}, several), tidied; a refusal logged. */
    private JSONStructure answer(ParsedUri uri, String client, byte[] body, Charset charset) {
        JSONStructure answer;
        try {
            answer = jolokia.handlePostRequest(uri.toString(), new ByteArrayInputStream(body), charset.name(),
                    uri.getParameterMap());
        } catch (BadRequestException e) {
            answer = ErrorAnswers.error(400, Kind.InvalidArgument, ErrorAnswers.withoutClassNames(e.getMessage()));
        } catch (EmptyResponseException e) {
            answer = ErrorAnswers.error(500, Kind.Unavailable, "the request has no answer");
        } catch (RuntimeException | IOException e) {
            JSONObject error = jolokia.handleThrowable(e);
            if (((Number) error.get("status")).intValue() >= 500) {
                log.warn("a Jolokia request failed", e);
            }
            answer = error;
        } catch (StackOverflowError | OutOfMemoryError e) {
            log.warn("a Jolokia request failed", e);
            answer = ErrorAnswers.error(500, Kind.Unavailable, "the request could not be served (details in "
                    + "hatchway.log)");
        }
        ErrorAnswers.tidy(answer);
        noteRefusal(client, answer);
        return answer;
    }

    /** Tells {@link RefusalLog} of each PermissionDenied in {@code answer} (one, or a bulk's array). */
    private void noteRefusal(String client, JSONStructure answer) {
        if (answer instanceof List<?> answers) {
            answers.forEach(one -> {
                if (one instanceof JSONObject object) {
                    noteRefusal(client, object);
                }
            });
        } else if (answer instanceof JSONObject one && one.get("status") instanceof Number status
                && status.intValue() == 403) {
            refusals.refused(client, Reason.POLICY, String.valueOf(one.get("error")));
        }
    }

    /**
     * A bulk request's answers, each made and written before the next is made: an answer is as large
     * as what it reads (an exec's output, say), so a bulk of many reads must never be held whole.
     * Chunked; each answer's write bounded by {@link #WRITE_TIMEOUT}.
     */
    private void sendBulk(HttpExchange exchange, ParsedUri uri, String client, String mimeType, List<?> bulk)
            throws IOException {
        setAnswerHeaders(exchange, mimeType);
        try {
            IoDeadlines.Deadline head = deadlines.start(WRITE_TIMEOUT);
            try {
                exchange.sendResponseHeaders(200, 0);
            } finally {
                head.end();
            }
            try (Writer out = new OutputStreamWriter(new BufferedOutputStream(exchange.getResponseBody(), 64 * 1024),
                    StandardCharsets.UTF_8)) {
                out.write('[');
                for (int i = 0; i < bulk.size(); i++) {
                    JSONStructure answer = bulk.get(i) instanceof JSONObject one
                            ? answer(uri, client, one.toJSONString().getBytes(StandardCharsets.UTF_8),
                                    StandardCharsets.UTF_8)
                            : ErrorAnswers.error(400, Kind.InvalidArgument, "each request of a bulk request must be "
                                    + "a JSON object");
                    IoDeadlines.Deadline write = deadlines.start(WRITE_TIMEOUT);
                    try {
                        if (i > 0) {
                            out.write(',');
                        }
                        answer.writeJSONString(out);
                        out.flush();
                    } finally {
                        write.end();
                    }
                }
                out.write(']');
            }
        } finally {
            exchange.close();
        }
    }

    private static String header(HttpExchange exchange, String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    // ---- answering

    private void refuse(HttpExchange exchange, int status, Kind kind, String message) throws IOException {
        send(exchange, status, "text/plain", ErrorAnswers.error(status, kind, message));
    }

    private void refuseMethod(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Allow", "POST");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        write(exchange, 405, "text/plain", head ? null : METHOD_REFUSAL);
    }

    private void send(HttpExchange exchange, int status, String mimeType, JSONStructure answer) throws IOException {
        setAnswerHeaders(exchange, mimeType);
        write(exchange, status, mimeType, answer.toJSONString().getBytes(StandardCharsets.UTF_8));
    }

    private static void setAnswerHeaders(HttpExchange exchange, String mimeType) {
        var headers = exchange.getResponseHeaders();
        String now = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        headers.set("Cache-Control", "no-cache");
        headers.set("Pragma", "no-cache");
        headers.set("Date", now);
        headers.set("Expires", now);
        headers.set("Content-Type", mimeType + "; charset=utf-8");
    }

    /** Writes the answer within {@link #WRITE_TIMEOUT} and ends the exchange; {@code body} null: none. */
    private void write(HttpExchange exchange, int status, String mimeType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", mimeType + "; charset=utf-8");
        IoDeadlines.Deadline deadline = deadlines.start(WRITE_TIMEOUT);
        try {
            exchange.sendResponseHeaders(status, body == null ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (body != null) {
                    out.write(body);
                }
            }
        } finally {
            deadline.end();
            exchange.close();
        }
    }
}
