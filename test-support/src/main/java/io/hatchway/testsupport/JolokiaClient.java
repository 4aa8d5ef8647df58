package io.hatchway.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * What a script does with a Jolokia: JSON requests POSTed over real HTTP (the JDK's
 * {@link HttpClient}), with basic credentials (Hatchway's user {@code hatchway} and the password
 * from its password file, or any other), the answers read as JSON. Every call is bounded: 10 s to
 * connect, 30 s for an answer.
 *
 * <p>Answers come as Jackson trees ({@link #post(JsonNode)}, {@link #value}, {@link #error}) or, for
 * tests that read them as plain Java, as maps and lists ({@link #post(String)}, {@link #postBulk}),
 * integers as {@code Long}.
 */
public final class JolokiaClient {
    public static final String USER = "hatchway";
    public static final String PASSWORD_FILE = "jolokia.password";
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectReader AS_JAVA = JSON.reader().with(DeserializationFeature.USE_LONG_FOR_INTS);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = client(null);

    private final HttpClient http;
    private final URI url;
    private final String authorization; // null: no credentials sent
    private final String origin; // null: sent from no browser page

    private JolokiaClient(HttpClient http, String url, String authorization, String origin) {
        this.http = http;
        this.url = URI.create(url);
        this.authorization = authorization;
        this.origin = origin;
    }

    private static HttpClient client(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /** A client with the password Hatchway wrote to {@code <stateDir>/jolokia.password}. */
    public static JolokiaClient withPasswordFile(String url, Path stateDir) throws IOException {
        return withPassword(url, Files.readString(stateDir.resolve(PASSWORD_FILE), StandardCharsets.UTF_8).strip());
    }

    public static JolokiaClient withPassword(String url, String password) {
        return withUser(url, USER, password);
    }

    /** Basic credentials of {@code user}: another user, or another Jolokia than Hatchway's, such as a host's console. */
    public static JolokiaClient withUser(String url, String user, String password) {
        return anonymous(url).as(user, password);
    }

    /** A client that sends no credentials. */
    public static JolokiaClient anonymous(String url) {
        return new JolokiaClient(HTTP, url, null, null);
    }

    public String url() {
        return url.toString();
    }

    /** The {@code Authorization} header's value, null for an anonymous client. */
    public String authorization() {
        return authorization;
    }

    /** The same requests with the basic credentials of {@code user}. */
    public JolokiaClient as(String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new JolokiaClient(http, url(), "Basic " + token, origin);
    }

    /** The same requests without credentials. */
    public JolokiaClient anonymous() {
        return new JolokiaClient(http, url(), null, origin);
    }

    /** The same credentials, sent to {@code otherUrl}. */
    public JolokiaClient at(String otherUrl) {
        return new JolokiaClient(http, otherUrl, authorization, origin);
    }

    /** The same requests with an {@code Origin} header, as a console's page in a browser sends them. */
    public JolokiaClient fromOrigin(String pageOrigin) {
        return new JolokiaClient(http, url(), authorization, pageOrigin);
    }

    /** The same requests over TLS, trusting what {@code tls} trusts (null: the JDK's default trust). */
    public JolokiaClient trusting(SSLContext tls) {
        return new JolokiaClient(client(tls), url(), authorization, origin);
    }

    // --- requests as JSON, the way a script writes them

    public static ObjectNode execRequest(String mbean, String operation, Object... arguments) {
        ObjectNode request = JSON.createObjectNode().put("type", "exec").put("mbean", mbean).put("operation", operation);
        ArrayNode args = request.putArray("arguments");
        for (Object argument : arguments) {
            args.add(JSON.valueToTree(argument));
        }
        return request;
    }

    public static ObjectNode readRequest(String mbean, String attribute) {
        return JSON.createObjectNode().put("type", "read").put("mbean", mbean).put("attribute", attribute);
    }

    public static ArrayNode bulk(JsonNode... requests) {
        ArrayNode bulk = JSON.createArrayNode();
        for (JsonNode request : requests) {
            bulk.add(request);
        }
        return bulk;
    }

    // --- HTTP

    /** POSTs {@code body} as it is and returns the HTTP answer, whatever its status. */
    public HttpResponse<String> send(String body) throws IOException, InterruptedException {
        return http.send(request("POST", "", body, Map.of()), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** POSTs {@code body} as it is; the answer is read as it comes, by the caller (bounded: 30 s to the headers). */
    public HttpResponse<InputStream> sendStreaming(String body) throws IOException, InterruptedException {
        return http.send(request("POST", "", body, Map.of()), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Any method, any body (null: none), extra headers, {@code suffix} (a path, a query) after the URL; any answer. */
    public HttpResponse<String> send(String method, String suffix, String body, Map<String, String> headers) {
        return send(request(URI.create(url + suffix), method, body, headers));
    }

    /** As {@link #send(String, String, String, Map)}, to {@code path} (absolute: {@code /metrics}) on the same server. */
    public HttpResponse<String> sendTo(String path, String method, String body, Map<String, String> headers) {
        return send(request(url.resolve(path), method, body, headers));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest request(String method, String suffix, String body, Map<String, String> headers) {
        return request(URI.create(url + suffix), method, body, headers);
    }

    private HttpRequest request(URI uri, String method, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(ANSWER_TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (origin != null) {
            request.header("Origin", origin);
        }
        headers.forEach(request::header);
        return request.build();
    }

    // --- answers as Jackson trees

    /** POSTs {@code request} (one request or a bulk array); the HTTP answer must be 200 with JSON. */
    public JsonNode post(JsonNode request) throws IOException, InterruptedException {
        HttpResponse<String> response = send(JSON.writeValueAsString(request));
        assertEquals(200, response.statusCode(), "HTTP status of " + request + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** The {@code value} of a request that must succeed (Jolokia status 200). */
    public JsonNode value(JsonNode request) throws IOException, InterruptedException {
        return value(post(request), request);
    }

    /** The {@code value} of one answer that must be a success. */
    public static JsonNode value(JsonNode answer, JsonNode request) {
        if (answer.path("status").asInt() != 200) {
            fail(request + " failed: " + answer);
        }
        return answer.get("value");
    }

    public JsonNode exec(String mbean, String operation, Object... arguments) throws IOException, InterruptedException {
        return value(execRequest(mbean, operation, arguments));
    }

    public JsonNode read(String mbean, String attribute) throws IOException, InterruptedException {
        return value(readRequest(mbean, attribute));
    }

    /**
     * Sends a request that must fail with {@code kind} and returns the message a script sees in
     * {@code error}: it starts with {@code <kind>: } and shows no Java ({@link ErrorText}), and the
     * answer carries no stack trace and no serialized exception, whatever the request asked for.
     */
    public String error(String kind, JsonNode request) throws IOException, InterruptedException {
        return error(kind, post(request), request);
    }

    /** The {@code error} of one answer that must be a {@code kind} failure; see {@link #error(String, JsonNode)}. */
    public static String error(String kind, JsonNode answer, JsonNode request) {
        assertTrue(answer.path("status").asInt() != 200, request + " should fail with " + kind + ": " + answer);
        String error = answer.path("error").asText();
        assertTrue(error.startsWith(kind + ": "), "the error must start with '" + kind + ": ': " + answer);
        ErrorText.assertInWords(error);
        assertNoErrorDetails(answer);
        return error;
    }

    /** No {@code stacktrace}, no {@code error_value} (a serialized exception), anywhere in the answer. */
    public static void assertNoErrorDetails(JsonNode answer) {
        for (Iterator<String> fields = answer.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            assertFalse(field.equals("stacktrace") || field.equals("error_value"),
                    "no stack trace or serialized exception reaches the client: " + answer);
        }
        assertFalse(answer.toString().contains("\\tat "), "no stack trace in any field: " + answer);
    }

    // --- answers as plain Java

    /** POSTs one request written as JSON text; the answer must be HTTP 200 with a JSON object. */
    public Map<String, Object> post(String json) {
        return post("", json);
    }

    /** The same with {@code suffix} (a query string, a path) after the URL. */
    public Map<String, Object> post(String suffix, String json) {
        HttpResponse<String> response = send("POST", suffix, json, Map.of());
        assertEquals(200, response.statusCode(), response::body);
        return parse(response.body(), new TypeReference<>() { });
    }

    /** POSTs a bulk request written as JSON text; the answer must be HTTP 200 with a JSON array. */
    public List<Map<String, Object>> postBulk(String jsonArray) {
        HttpResponse<String> response = send("POST", "", jsonArray, Map.of());
        assertEquals(200, response.statusCode(), response::body);
        return parse(response.body(), new TypeReference<>() { });
    }

    /** {@code json} as maps, lists, strings, {@code Long}s, ...; fails the test if it is no JSON. */
    public static Object parse(String json) {
        return parse(json, new TypeReference<Object>() { });
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        try {
            return AS_JAVA.forType(type).readValue(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
