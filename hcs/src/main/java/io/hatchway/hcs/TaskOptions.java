package io.hatchway.hcs;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.oci.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The per-task choices of {@code createTask}'s {@code optionsJson}: {@code isolation}
 * ({@code "none"} or {@code "sandbox"}) and {@code runtime} (a runtime binary such as
 * {@code "crun"}; empty for the backend's own). Unknown keys are refused so a typo never passes
 * silently.
 */
public record TaskOptions(boolean sandbox, String runtime) {
    public static final TaskOptions DEFAULT = new TaskOptions(false, "");
    private static final Set<String> KEYS = Set.of("isolation", "runtime");

    /** @throws HatchwayException InvalidArgument for malformed JSON, unknown keys or values */
    public static TaskOptions parse(String json) {
        if (json == null || json.isBlank()) {
            return DEFAULT;
        }
        JsonNode node = Json.parse(json, "options");
        if (!node.isObject()) {
            throw ErrorKind.InvalidArgument.error("options: must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!KEYS.contains(field.getKey())) {
                throw ErrorKind.InvalidArgument.error("options: unknown key '%s' (known: isolation, runtime)",
                        field.getKey());
            }
            if (!field.getValue().isTextual()) {
                throw ErrorKind.InvalidArgument.error("options.%s: must be a string", field.getKey());
            }
        }
        String isolation = node.path("isolation").asText("none");
        if (!isolation.equals("none") && !isolation.equals("sandbox")) {
            throw ErrorKind.InvalidArgument.error("options.isolation: '%s' is neither 'none' nor 'sandbox'",
                    isolation);
        }
        return new TaskOptions(isolation.equals("sandbox"), node.path("runtime").asText(""));
    }
}
