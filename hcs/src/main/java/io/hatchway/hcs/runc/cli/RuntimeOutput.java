package io.hatchway.hcs.runc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.oci.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an OCI runtime says when it fails, read from its error output or its log: runc and crun
 * write JSON lines with {@code --log-format json}, logfmt lines or plain words otherwise.
 */
public final class RuntimeOutput {
    private static final Pattern LOGFMT_MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private RuntimeOutput() {
    }

    /**
     * The messages of the runtime's error output: the {@code msg} of JSON or logfmt lines, other
     * lines as they are, joined by {@code "; "}.
     */
    public static String message(String output) {
        List<String> messages = new ArrayList<>();
        for (String line : output.strip().split("\n")) {
            String text = line.strip();
            if (text.isEmpty()) {
                continue;
            }
            String msg = text;
            if (text.startsWith("{")) {
                try {
                    JsonNode node = Json.MAPPER.readTree(text);
                    if (node.has("msg")) {
                        if (!node.path("level").asText("error").matches("error|fatal|panic")) {
                            continue;
                        }
                        msg = node.get("msg").asText();
                    }
                } catch (IOException e) { // not JSON after all: keep the line
                }
            } else {
                Matcher m = LOGFMT_MSG.matcher(text);
                if (m.find()) {
                    msg = m.group(1).replace("\\\"", "\"");
                }
            }
            if (!messages.contains(msg)) {
                messages.add(msg);
            }
        }
        return String.join("; ", messages);
    }

    /** The last error in a runtime log file of JSON lines, if any. */
    public static Optional<String> lastError(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            try {
                JsonNode node = Json.MAPPER.readTree(line);
                if (node != null && node.path("level").asText().matches("error|fatal|panic") && node.has("msg")) {
                    return Optional.of(node.get("msg").asText());
                }
            } catch (IOException e) { // not a JSON line
            }
        }
        return Optional.empty();
    }
}
