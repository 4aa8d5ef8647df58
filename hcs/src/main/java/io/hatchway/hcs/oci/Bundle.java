package io.hatchway.hcs.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An OCI bundle: a directory holding {@code config.json} (and, for container backends, the root
 * filesystem it names). Loading validates the spec; immutable afterwards.
 */
public final class Bundle {
    /** Largest {@code config.json} read. */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    private final Path dir;
    private final ObjectNode config;
    private final ProcessSpec process;

    private Bundle(Path dir, ObjectNode config, ProcessSpec process) {
        this.dir = dir;
        this.config = config;
        this.process = process;
    }

    /**
     * Reads and validates {@code <dir>/config.json}.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument for a relative, missing or unreadable
     *     bundle, and for a config that is not JSON or not an OCI runtime spec with a process
     */
    public static Bundle load(String path) {
        if (path == null || path.isEmpty()) {
            throw ErrorKind.InvalidArgument.error("bundle: a directory is required");
        }
        Path dir = Path.of(path);
        if (!dir.isAbsolute()) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': not an absolute path", path);
        }
        if (!Files.isDirectory(dir)) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': no such directory", path);
        }
        Path configFile = dir.resolve("config.json");
        String text;
        try {
            if (Files.size(configFile) > MAX_CONFIG_BYTES) {
                throw ErrorKind.InvalidArgument.error("bundle '%s': config.json is larger than %d bytes",
                        path, MAX_CONFIG_BYTES);
            }
            text = Files.readString(configFile);
        } catch (IOException e) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': cannot read config.json: %s", path,
                    e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString());
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json is not JSON", path);
        }
        if (node == null || !node.isObject() || !node.path("ociVersion").isTextual()) {
            throw ErrorKind.InvalidArgument.error(
                    "bundle '%s': config.json is not an OCI runtime spec (no ociVersion)", path);
        }
        if (!node.has("process")) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json has no process", path);
        }
        ProcessSpec process = ProcessSpec.of(node.get("process"), "config.json process");
        return new Bundle(dir, (ObjectNode) node, process);
    }

    public Path dir() {
        return dir;
    }

    /** The init exec's process. */
    public ProcessSpec process() {
        return process;
    }

    /** A copy of the whole spec, for a backend that hands it to a runtime. */
    public ObjectNode config() {
        return config.deepCopy();
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
