package io.hatchway.hcs.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.hatchway.hcs.ErrorKind;

/** The one Jackson mapper of Hatchway, and the size rule for JSON that callers hand us. */
public final class Json {
    /** Largest JSON document a caller may hand us (a process or an options object). */
    public static final int MAX_INPUT_CHARS = 1 << 20;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private Json() {
    }

    /**
     * Parses caller input. Over {@link #MAX_INPUT_CHARS} or not JSON → InvalidArgument naming
     * {@code what}.
     */
    public static JsonNode parse(String json, String what) {
        if (json == null || json.isBlank()) {
            throw ErrorKind.InvalidArgument.error("%s: empty, a JSON object is required", what);
        }
        if (json.length() > MAX_INPUT_CHARS) {
            throw ErrorKind.InvalidArgument.error("%s: %d characters, more than the limit of %d",
                    what, json.length(), MAX_INPUT_CHARS);
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw ErrorKind.InvalidArgument.error("%s: not JSON: %s", what, e.getOriginalMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
