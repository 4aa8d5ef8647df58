package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;

/** What a script does: POSTs JSON to the exposure's URL with java.net.http, as a given user. */
final class JolokiaClient {
    private final HttpClient http;
    private final String url;
    private final String authorization;

    private JolokiaClient(HttpClient http, String url, String authorization) {
        this.http = http;
        this.url = url;
        this.authorization = authorization;
    }

    /** A client of {@code exposure} with the credentials from its password file, if it has one. */
    static JolokiaClient of(JolokiaExposure exposure) {
        return of(exposure, null);
    }

    /** The same, over TLS trusting {@code tls}'s certificates. */
    static JolokiaClient of(JolokiaExposure exposure, SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            builder.sslContext(tls);
        }
        JolokiaClient client = new JolokiaClient(builder.build(), exposure.url(), null);
        return exposure.passwordFile().map(file -> {
            try {
                return client.as(JolokiaExposure.USER, Files.readString(file).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(client);
    }

    JolokiaClient as(String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new JolokiaClient(http, url, "Basic " + token);
    }

    JolokiaClient anonymous() {
        return new JolokiaClient(http, url, null);
    }

    String url() {
        return url;
    }

    /** The {@code Authorization} header's value, null for an anonymous client. */
    String authorization() {
        return authorization;
    }

    /** POSTs one request; the answer must be HTTP 200 with a JSON object. */
    Map<String, Object> post(String json) {
        return post("", json);
    }

    /** The same with {@code suffix} (a query string, a path) after the URL. */
    @SuppressWarnings("unchecked")
    Map<String, Object> post(String suffix, String json) {
        HttpResponse<String> response = send("POST", suffix, json, Map.of());
        assertEquals(200, response.statusCode(), response::body);
        return (Map<String, Object>) parse(response.body());
    }

    /** POSTs a bulk request; the answer must be HTTP 200 with a JSON array. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> postBulk(String jsonArray) {
        HttpResponse<String> response = send("POST", "", jsonArray, Map.of());
        assertEquals(200, response.statusCode(), response::body);
        return (List<Map<String, Object>>) parse(response.body());
    }

    /** Any request, any answer; {@code suffix} goes after the URL. */
    HttpResponse<String> send(String method, String suffix, String body, Map<String, String> headers) {
        return send(URI.create(url + suffix), method, body, headers);
    }

    /** Any request to {@code path} (absolute: {@code /metrics}) on the same server. */
    HttpResponse<String> sendTo(String path, String method, String body, Map<String, String> headers) {
        return send(URI.create(url).resolve(path), method, body, headers);
    }

    private HttpResponse<String> send(URI uri, String method, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Object parse(String json) {
        try {
            return new JSONParser().parse(json);
        } catch (ParseException | IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
