package io.hatchway.hcs;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.oci.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The per-task choices of {@code createTask}'s {@code optionsJson}: the {@code isolation} kind,
 * which every backend reads, and string options only a backend knows (runc's {@code runtime}, a
 * runtime binary such as {@code "crun"}), which that backend validates at
 * {@link ComputeBackend#create}. A key neither {@code isolation} nor one of the backend's
 * ({@link ComputeBackend#optionKeys}) is refused, so a typo never passes silently. Immutable.
 *
 * @param backendOptions the backend's own keys and their values, as given
 */
public record TaskOptions(Isolation isolation, Map<String, String> backendOptions) {
    public static final TaskOptions DEFAULT = new TaskOptions(Isolation.NONE, Map.of());
    private static final String ISOLATION = "isolation";

    /** How a task is kept apart from its host (SPEC.md, {@code createTask}). */
    public enum Isolation {
        /** Not isolated: the task's processes share the host's view. */
        NONE("none"),
        /** A sandbox container owns the task's namespaces (CONTRACT.md, Isolation on Linux). */
        SANDBOX("sandbox"),
        /** A utility VM of its own, reached through its guest agent (the windows backend's). */
        HYPERVISOR("hypervisor");

        private final String word;

        Isolation(String word) {
            this.word = word;
        }

        /** The value of {@code isolation} in {@code optionsJson}. */
        public String word() {
            return word;
        }
    }

    public TaskOptions {
        Objects.requireNonNull(isolation);
        backendOptions = Map.copyOf(backendOptions);
    }

    /** Whether the task asked for a sandbox. */
    public boolean sandbox() {
        return isolation == Isolation.SANDBOX;
    }

    /** Whether the task asked for a utility VM of its own. */
    public boolean hypervisor() {
        return isolation == Isolation.HYPERVISOR;
    }

    /**
     * Checks that backend {@code backend} offers the isolation asked for (SPEC.md: a backend
     * refuses an isolation it does not offer with InvalidArgument).
     *
     * @throws HatchwayException InvalidArgument {@code isolation '<word>': the <backend> backend
     *     offers only <words>} otherwise
     */
    public void requireIsolation(String backend, Set<Isolation> offered) {
        if (!offered.contains(isolation)) {
            List<String> words = new ArrayList<>();
            for (Isolation kind : Isolation.values()) {
                if (offered.contains(kind)) {
                    words.add("'" + kind.word() + "'");
                }
            }
            throw ErrorKind.InvalidArgument.error("isolation '%s': the %s backend offers only %s", isolation.word(),
                    backend, String.join(" and ", words));
        }
    }

    /** The backend option {@code key}'s value; {@code ""} when not given. */
    public String option(String key) {
        return backendOptions.getOrDefault(key, "");
    }

    /**
     * Parses {@code optionsJson} for a backend that knows {@code backendKeys}; blank means
     * {@link #DEFAULT}.
     *
     * @throws HatchwayException InvalidArgument for malformed JSON, a value that is not a string, an
     *     unknown key or an isolation kind other than {@code none}, {@code sandbox} and
     *     {@code hypervisor}
     */
    public static TaskOptions parse(String json, Set<String> backendKeys) {
        if (json == null || json.isBlank()) {
            return DEFAULT;
        }
        JsonNode node = Json.parse(json, "options");
        if (!node.isObject()) {
            throw ErrorKind.InvalidArgument.error("options: must be a JSON object");
        }
        Map<String, String> backendOptions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getKey().equals(ISOLATION) && !backendKeys.contains(field.getKey())) {
                List<String> known = new ArrayList<>(List.of(ISOLATION));
                known.addAll(new TreeSet<>(backendKeys));
                throw ErrorKind.InvalidArgument.error("options: unknown key '%s' (known: %s)", field.getKey(),
                        String.join(", ", known));
            }
            if (!field.getValue().isTextual()) {
                throw ErrorKind.InvalidArgument.error("options.%s: must be a string", field.getKey());
            }
            if (!field.getKey().equals(ISOLATION)) {
                backendOptions.put(field.getKey(), field.getValue().asText());
            }
        }
        String isolation = node.path(ISOLATION).asText(Isolation.NONE.word());
        for (Isolation kind : Isolation.values()) {
            if (kind.word().equals(isolation)) {
                return new TaskOptions(kind, backendOptions);
            }
        }
        throw ErrorKind.InvalidArgument.error("options.isolation: '%s' is none of 'none', 'sandbox' and 'hypervisor'",
                isolation);
    }
}
