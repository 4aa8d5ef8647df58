package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * A Jolokia client as a script would be: the JDK's HTTP client (HTTP/1.1, one kept-alive
 * connection per client), basic authentication, JSON bodies. Each instance is one client; use one
 * per thread.
 */
final class JolokiaClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI url;
    private final String authorization;

    JolokiaClient(String url, String password) {
        this.url = URI.create(url);
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString(("hatchway:" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The client of the agent whose start line on stderr is {@code startLine}. */
    static JolokiaClient fromStartLine(String startLine) throws IOException {
        // "[hatchway] started: ... Jolokia at <url> (user hatchway, password in <file>)"
        int at = startLine.indexOf("Jolokia at ");
        int in = startLine.indexOf("password in ");
        if (at < 0 || in < 0) {
            throw new IOException("no Jolokia URL and password file in: " + startLine);
        }
        String url = startLine.substring(at + "Jolokia at ".length()).split(" ")[0];
        String file = startLine.substring(in + "password in ".length(), startLine.lastIndexOf(')'));
        return new JolokiaClient(url, Files.readString(Path.of(file)).strip());
    }

    /** POSTs {@code body}; the parsed JSON answer. @throws IOException on an HTTP status other than 200 */
    JsonNode post(String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(120))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("Jolokia answered HTTP " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(response.body());
    }

    /** POSTs a request or a bulk request; every answer must have status 200. @return the answer (array for bulk) */
    JsonNode call(String body) throws IOException, InterruptedException {
        JsonNode answer = post(body);
        for (JsonNode one : answer.isArray() ? answer : JSON.createArrayNode().add(answer)) {
            if (one.path("status").asInt() != 200) {
                throw new IOException("Jolokia request failed: " + one.path("error").asText(one.toString()));
            }
        }
        return answer;
    }

    /** The bulk request of one exec round trip: createExec, start, waitExec, deleteExec, in order. */
    static String execRoundTrip(String taskId, String execId, String processJson) {
        String task = "\"mbean\":\"hatchway:type=Task,name=" + taskId + "\"";
        String process = JSON.valueToTree(processJson).toString(); // the JSON as a JSON string
        return "[{\"type\":\"exec\"," + task + ",\"operation\":\"createExec\",\"arguments\":[\"" + execId + "\","
                + process + "]},"
                + "{\"type\":\"exec\"," + task + ",\"operation\":\"start\",\"arguments\":[\"" + execId + "\"]},"
                + "{\"type\":\"exec\"," + task + ",\"operation\":\"waitExec\",\"arguments\":[\"" + execId
                + "\",60000]},"
                + "{\"type\":\"exec\"," + task + ",\"operation\":\"deleteExec\",\"arguments\":[\"" + execId + "\"]}]";
    }
}
