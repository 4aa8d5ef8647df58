package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
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

/**
 * What a script does with Hatchway's Jolokia: JSON requests POSTed over real HTTP (the JDK's
 * {@link HttpClient}), with the basic credentials of user {@code hatchway} read from the password
 * file, and the JSON answers read with Jackson. Every call is bounded: 10 s to connect, 30 s for an
 * answer.
 */
final class JolokiaClient {
    static final String USER = "hatchway";
    static final String PASSWORD_FILE = "jolokia.password";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final URI url;
    private final String authorization; // null: no credentials sent
    private final String origin; // null: sent from no browser page

    private JolokiaClient(String url, String authorization, String origin) {
        this.url = URI.create(url);
        this.authorization = authorization;
        this.origin = origin;
    }

    private JolokiaClient(String url, String authorization) {
        this(url, authorization, null);
    }

    /** A client with the password the agent wrote to {@code <stateDir>/jolokia.password}. */
    static JolokiaClient withPasswordFile(String url, Path stateDir) throws IOException {
        return withPassword(url, Files.readString(stateDir.resolve(PASSWORD_FILE), StandardCharsets.UTF_8).trim());
    }

    static JolokiaClient withPassword(String url, String password) {
        return withUser(url, USER, password);
    }

    /** Basic credentials of {@code user}: for another Jolokia than Hatchway's, such as a host's console. */
    static JolokiaClient withUser(String url, String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new JolokiaClient(url, "Basic " + token);
    }

    /** A client that sends no credentials. */
    static JolokiaClient anonymous(String url) {
        return new JolokiaClient(url, null);
    }

    String url() {
        return url.toString();
    }

    /** The same credentials, sent to {@code otherUrl}. */
    JolokiaClient at(String otherUrl) {
        return new JolokiaClient(otherUrl, authorization, origin);
    }

    /** The same requests with an {@code Origin} header, as a console's page in a browser sends them. */
    JolokiaClient fromOrigin(String pageOrigin) {
        return new JolokiaClient(url.toString(), authorization, pageOrigin);
    }

    // --- requests as JSON, the way a script writes them

    static ObjectNode execRequest(String mbean, String operation, Object... arguments) {
        ObjectNode request = JSON.createObjectNode().put("type", "exec").put("mbean", mbean).put("operation", operation);
        ArrayNode args = request.putArray("arguments");
        for (Object argument : arguments) {
            args.add(JSON.valueToTree(argument));
        }
        return request;
    }

    static ObjectNode readRequest(String mbean, String attribute) {
        return JSON.createObjectNode().put("type", "read").put("mbean", mbean).put("attribute", attribute);
    }

    static ArrayNode bulk(JsonNode... requests) {
        ArrayNode bulk = JSON.createArrayNode();
        for (JsonNode request : requests) {
            bulk.add(request);
        }
        return bulk;
    }

    // --- HTTP

    /** POSTs {@code body} as it is and returns the HTTP answer, whatever its status. */
    HttpResponse<String> send(String body) throws IOException, InterruptedException {
        return HTTP.send(request(body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** POSTs {@code body} as it is; the answer is read as it comes, by the caller (bounded: 30 s to the headers). */
    HttpResponse<InputStream> sendStreaming(String body) throws IOException, InterruptedException {
        return HTTP.send(request(body), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A {@code method} request to {@code path} on the same server (e.g. {@code GET /metrics}), whatever its answer. */
    HttpResponse<String> sendTo(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve(path)).timeout(ANSWER_TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpRequest request(String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(ANSWER_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (origin != null) {
            request.header("Origin", origin);
        }
        return request.build();
    }

    /** POSTs {@code request} (one request or a bulk array); the HTTP answer must be 200 with JSON. */
    JsonNode post(JsonNode request) throws IOException, InterruptedException {
        HttpResponse<String> response = send(JSON.writeValueAsString(request));
        assertEquals(200, response.statusCode(), "HTTP status of " + request + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** The {@code value} of a request that must succeed (Jolokia status 200). */
    JsonNode value(JsonNode request) throws IOException, InterruptedException {
        return value(post(request), request);
    }

    /** The {@code value} of one answer that must be a success. */
    static JsonNode value(JsonNode answer, JsonNode request) {
        if (answer.path("status").asInt() != 200) {
            fail(request + " failed: " + answer);
        }
        return answer.get("value");
    }

    JsonNode exec(String mbean, String operation, Object... arguments) throws IOException, InterruptedException {
        return value(execRequest(mbean, operation, arguments));
    }

    JsonNode read(String mbean, String attribute) throws IOException, InterruptedException {
        return value(readRequest(mbean, attribute));
    }

    /**
     * Sends a request that must fail with {@code kind} and returns the message a script sees in
     * {@code error}: it starts with {@code <kind>: }, and the answer carries no stack trace and no
     * serialized exception, whatever the request asked for.
     */
    String error(String kind, JsonNode request) throws IOException, InterruptedException {
        return error(kind, post(request), request);
    }

    /** The {@code error} of one answer that must be a {@code kind} failure; see {@link #error(String, JsonNode)}. */
    static String error(String kind, JsonNode answer, JsonNode request) {
        assertTrue(answer.path("status").asInt() != 200, request + " should fail with " + kind + ": " + answer);
        String error = answer.path("error").asText();
        assertTrue(error.startsWith(kind + ": "), "the error must start with '" + kind + ": ': " + answer);
        assertNoErrorDetails(answer);
        return error;
    }

    /** No {@code stacktrace}, no {@code error_value} (a serialized exception), anywhere in the answer. */
    static void assertNoErrorDetails(JsonNode answer) {
        for (Iterator<String> fields = answer.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            assertFalse(field.equals("stacktrace") || field.equals("error_value"),
                    "no stack trace or serialized exception reaches the client: " + answer);
        }
        assertFalse(answer.toString().contains("\\tat "), "no stack trace in any field: " + answer);
    }
}
