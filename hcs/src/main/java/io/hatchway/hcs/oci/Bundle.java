package io.hatchway.hcs.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An OCI bundle: a directory holding {@code config.json} (and, for container backends, the root
 * filesystem it names). Loading validates the spec's process; immutable afterwards.
 *
 * <p>The parts one platform's backends read ({@link #hostname()}, {@link #rootPath()},
 * {@link #mounts()}, {@link #windows()}) are checked when a backend asks for them, not at load:
 * a Linux bundle with a {@code windows} section a Linux backend ignores still loads.
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
                    e instanceof NoSuchFileException ? "no such file" : HatchwayException.reason(e));
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

    /** The container's host name ({@code hostname}), when the spec names a non-empty one. */
    public Optional<String> hostname() {
        return optionalString(config.get("hostname"), "hostname").filter(name -> !name.isEmpty());
    }

    /** {@code root.path}: on Linux the root filesystem's directory, on Windows a volume path; empty when not given. */
    public Optional<String> rootPath() {
        JsonNode root = config.get("root");
        if (root == null || root.isNull()) {
            return Optional.empty();
        }
        if (!root.isObject()) {
            throw invalid("root", "must be an object");
        }
        return optionalString(root.get("path"), "root.path").filter(path -> !path.isEmpty());
    }

    /**
     * The spec's {@code mounts}, in order.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument for a mount that is not an object
     *     of strings (and a list of string options)
     */
    public List<Mount> mounts() {
        List<Mount> mounts = new ArrayList<>();
        JsonNode list = config.get("mounts");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw invalid("mounts", "must be an array");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode mount = list.get(i);
            String what = "mounts[" + i + "]";
            if (!mount.isObject()) {
                throw invalid(what, "must be an object");
            }
            mounts.add(new Mount(optionalString(mount.get("destination"), what + ".destination").orElse(""),
                    optionalString(mount.get("type"), what + ".type").orElse(""),
                    optionalString(mount.get("source"), what + ".source").orElse(""),
                    strings(mount.get("options"), what + ".options")));
        }
        return List.copyOf(mounts);
    }

    /**
     * The spec's {@code windows} section, the parts a process-isolated Windows container reads;
     * empty when the spec has none.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument for a section of the wrong shape
     */
    public Optional<Windows> windows() {
        JsonNode windows = config.get("windows");
        if (windows == null || windows.isNull()) {
            return Optional.empty();
        }
        if (!windows.isObject()) {
            throw invalid("windows", "must be an object");
        }
        List<String> layerFolders = strings(windows.get("layerFolders"), "windows.layerFolders");
        JsonNode network = windows.get("network");
        Network parsed = null;
        if (network != null && !network.isNull()) {
            if (!network.isObject()) {
                throw invalid("windows.network", "must be an object");
            }
            JsonNode unqualified = network.get("allowUnqualifiedDNSQuery");
            if (unqualified != null && !unqualified.isNull() && !unqualified.isBoolean()) {
                throw invalid("windows.network.allowUnqualifiedDNSQuery", "must be true or false");
            }
            parsed = new Network(unqualified != null && unqualified.asBoolean(),
                    strings(network.get("DNSSearchList"), "windows.network.DNSSearchList"),
                    optionalString(network.get("networkSharedContainerName"),
                            "windows.network.networkSharedContainerName").orElse(""),
                    optionalString(network.get("networkNamespace"), "windows.network.networkNamespace").orElse(""));
        }
        JsonNode hyperv = windows.get("hyperv");
        return Optional.of(new Windows(layerFolders, hyperv != null && !hyperv.isNull(), Optional.ofNullable(parsed)));
    }

    /** An OCI mount; absent fields are empty. */
    public record Mount(String destination, String type, String source, List<String> options) {
        public Mount {
            options = List.copyOf(options);
        }
    }

    /**
     * OCI's {@code windows} section: {@code layerFolders} are the image's read-only layers, topmost
     * first (as moby orders them), then the container's scratch layer last; {@code hyperv} whether
     * the spec asks for a hypervisor-isolated container (a {@code windows.hyperv} object).
     */
    public record Windows(List<String> layerFolders, boolean hyperv, Optional<Network> network) {
        public Windows {
            layerFolders = List.copyOf(layerFolders);
        }
    }

    /** OCI's {@code windows.network}: the HNS namespace to join and the DNS settings. */
    public record Network(boolean allowUnqualifiedDnsQuery, List<String> dnsSearchList,
            String networkSharedContainerName, String networkNamespace) {
        public Network {
            dnsSearchList = List.copyOf(dnsSearchList);
        }
    }

    private HatchwayException invalid(String field, String problem) {
        return ErrorKind.InvalidArgument.error("bundle '%s': config.json %s: %s", dir, field, problem);
    }

    private Optional<String> optionalString(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw invalid(field, "must be a string");
        }
        return Optional.of(node.asText());
    }

    private List<String> strings(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid(field, "must be an array of strings");
        }
        List<String> out = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw invalid(field, "must be an array of strings");
            }
            out.add(item.asText());
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
