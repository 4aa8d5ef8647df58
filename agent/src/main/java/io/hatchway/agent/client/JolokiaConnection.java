package io.hatchway.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Hatchway agent's Jolokia endpoint, as the task CLI talks to it: JSON requests POSTed with
 * basic authentication, each answer's {@code value}, or its {@code error} (which starts with its
 * CONTRACT.md kind) as a {@link ClientException}. Every request is bounded: the connection by
 * {@link #CONNECT_TIMEOUT}, the answer by the operation's own wait plus {@link #ANSWER_MARGIN}.
 * Not thread-safe; one CLI command uses one.
 */
public final class JolokiaConnection {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(30);

    private static final Pattern TASK = Pattern.compile("hatchway:type=Task,name=(.+)");
    private static final Pattern EXEC = Pattern.compile("hatchway:type=Exec,task=(.+),name=(.+)");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final URI url;
    private final Optional<String> authorization;

    /** @param password the password of user {@code hatchway}; empty for an agent with {@code auth=none} */
    public JolokiaConnection(URI url, Optional<String> password) {
        this.url = Objects.requireNonNull(url);
        this.authorization = password.map(p -> "Basic " + Base64.getEncoder()
                .encodeToString(("hatchway:" + p).getBytes(StandardCharsets.UTF_8)));
    }

    URI url() {
        return url;
    }

    /** Invokes {@code operation} of {@code mbean}; {@code wait} is how long the operation itself may block. */
    public JsonNode exec(String mbean, String operation, Duration wait, Object... arguments) throws ClientException {
        ObjectNode request = request("exec", mbean);
        request.put("operation", operation);
        ArrayNode args = request.putArray("arguments");
        for (Object argument : arguments) {
            args.addPOJO(argument);
        }
        return send(request, wait);
    }

    /** Reads one attribute of {@code mbean}. */
    public JsonNode read(String mbean, String attribute) throws ClientException {
        ObjectNode request = request("read", mbean);
        request.put("attribute", attribute);
        return send(request, Duration.ZERO);
    }

    /** A request of Jolokia's {@code notification} type: {@code command} with the given fields. */
    JsonNode notification(String command, String... fields) throws ClientException {
        ObjectNode request = json.createObjectNode().put("type", "notification").put("command", command);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            request.put(fields[i], fields[i + 1]);
        }
        return send(request, Duration.ZERO);
    }

    private ObjectNode request(String type, String mbean) {
        return json.createObjectNode().put("type", type).put("mbean", mbean);
    }

    private JsonNode send(ObjectNode request, Duration wait) throws ClientException {
        HttpRequest.Builder post = HttpRequest.newBuilder(url)
                .timeout(wait.plus(ANSWER_MARGIN))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString()));
        authorization.ifPresent(value -> post.header("Authorization", value));
        HttpResponse<String> response;
        try {
            response = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ClientException("cannot reach " + url + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted while waiting for " + url);
        }
        if (response.statusCode() == 401) {
            throw new ClientException(url + " refused the credentials (HTTP 401): give the agent's password "
                    + "with --password-file or HATCHWAY_PASSWORD");
        }
        JsonNode answer;
        try {
            answer = json.readTree(response.body());
        } catch (IOException e) {
            throw new ClientException(url + " answered HTTP " + response.statusCode() + ", not Jolokia JSON");
        }
        int status = answer.path("status").asInt(response.statusCode());
        if (answer.path("error_type").asText().endsWith(".InstanceNotFoundException")) {
            // no such MBean: say which task or exec that is, in CONTRACT.md's words
            throw new ClientException("NotFound: " + notFound(request.path("mbean").asText()));
        }
        if (status != 200) {
            throw new ClientException(answer.path("error").asText("HTTP " + response.statusCode()));
        }
        return answer.path("value");
    }

    /** What a missing MBean of Hatchway's means, in CONTRACT.md's words. */
    private static String notFound(String mbean) {
        Matcher task = TASK.matcher(mbean);
        if (task.matches()) {
            return "task with id: '" + task.group(1) + "' not found";
        }
        Matcher exec = EXEC.matcher(mbean);
        if (exec.matches()) {
            return "exec: '" + exec.group(2) + "' in task: '" + exec.group(1) + "' not found";
        }
        return mbean + " is not registered";
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }
}
