package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * A Jolokia client as a script would be: HTTP/1.1 with kept-alive connections, basic
 * authentication, JSON bodies. It uses the JDK's {@link HttpURLConnection}, whose calls run on the
 * caller's thread: the newer {@code java.net.http.HttpClient} hands every exchange between its own
 * threads, which on this two-core machine added about 2 ms to each request (measured: 3.3 ms against
 * 1.4 ms for the same read), a cost of the client, not of the server being measured. Thread-safe;
 * the JDK keeps up to {@code http.maxConnections} idle connections per server (the benchmark sets
 * 16, enough for its 8 concurrent clients).
 */
final class JolokiaClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URL url;
    private final String authorization;

    JolokiaClient(String url, String password) {
        try {
            this.url = new URL(url);
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
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
    JsonNode post(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpURLConnection http = (HttpURLConnection) url.openConnection();
        http.setConnectTimeout(10_000);
        http.setReadTimeout(120_000);
        http.setRequestMethod("POST");
        http.setDoOutput(true);
        http.setFixedLengthStreamingMode(bytes.length);
        http.setRequestProperty("Authorization", authorization);
        http.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = http.getOutputStream()) {
            out.write(bytes);
        }
        int status = http.getResponseCode();
        if (status != 200) {
            InputStream error = http.getErrorStream();
            String text = error == null ? "" : new String(error.readAllBytes(), StandardCharsets.UTF_8);
            throw new IOException("Jolokia answered HTTP " + status + ": " + text);
        }
        try (InputStream in = http.getInputStream()) { // read to the end: the connection is then kept
            return JSON.readTree(in.readAllBytes());
        }
    }

    /** POSTs a request or a bulk request; every answer must have status 200. @return the answer (array for bulk) */
    JsonNode call(String body) throws IOException {
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
