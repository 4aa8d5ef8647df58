package io.hatchway.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import io.hatchway.hcs.BackendContext;
import io.hatchway.jolokia.ExposureConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's options: {@code key=value,key=value...} from {@code -javaagent:jar=...} or the attach
 * CLI, and {@code config=<file>} for a properties file of the same keys (explicit keys win).
 * Unknown keys are kept in {@link #unknown()} for one log line and otherwise ignored.
 * {@code allowOrigin} takes several origins separated by commas, on the command line too: a piece
 * without {@code =} after it is one more origin.
 */
record AgentOptions(String backend, Path stateDir, boolean jolokia, String host, int port, String auth,
        String protocol, Optional<Path> keystore, Optional<String> keystorePassword, Duration hostExitShutdown,
        List<String> allowOrigin, List<String> unknown) {

    /** {@code mode} is the attach CLI's: {@code mode=stop} asks a loaded agent to stop. */
    static final Set<String> KEYS = Set.of("backend", "stateDir", "jolokia", "host", "port", "auth", "protocol",
            "keystore", "keystorePassword", "hostExitShutdownMillis", "allowOrigin", "config", "mode");
    private static final String ALLOW_ORIGIN = "allowOrigin";
    /** The longest {@code hostExitShutdownMillis}: a host's exit should not wait for minutes. */
    static final long MAX_HOST_EXIT_SHUTDOWN_MILLIS = 60_000;

    /** @throws IllegalArgumentException naming the option that is malformed */
    static AgentOptions parse(String args) {
        Map<String, String> values = new LinkedHashMap<>();
        if (args != null && !args.isBlank()) {
            String last = null;
            for (String pair : args.split(",")) {
                int eq = pair.indexOf('=');
                if (eq < 0 && ALLOW_ORIGIN.equals(last) && !pair.isBlank()) {
                    values.merge(ALLOW_ORIGIN, pair.trim(), (before, more) -> before + "," + more);
                    continue;
                }
                if (eq <= 0) {
                    throw new IllegalArgumentException("option '" + pair + "': expected key=value");
                }
                last = pair.substring(0, eq).trim();
                values.put(last, pair.substring(eq + 1).trim());
            }
        }
        if (values.containsKey("config")) {
            Properties file = new Properties();
            Path path = Path.of(values.get("config"));
            try (Reader reader = Files.newBufferedReader(path)) {
                file.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("config '" + path + "': cannot read: " + e.getMessage());
            }
            file.stringPropertyNames().forEach(k -> values.putIfAbsent(k, file.getProperty(k).trim()));
        }
        List<String> unknown = new ArrayList<>();
        for (String key : values.keySet()) {
            if (!KEYS.contains(key)) {
                unknown.add(key);
            }
        }
        String stateDir = values.getOrDefault("stateDir", "");
        return new AgentOptions(
                values.getOrDefault("backend", "auto"),
                stateDir.isEmpty() ? Path.of(System.getProperty("user.home"), ".hatchway") : Path.of(stateDir),
                bool("jolokia", values.getOrDefault("jolokia", "true")),
                values.getOrDefault("host", "127.0.0.1"),
                port(values.getOrDefault("port", "8778")),
                oneOf("auth", values.getOrDefault("auth", "basic"), "basic", "none"),
                oneOf("protocol", values.getOrDefault("protocol", "http"), "http", "https"),
                Optional.ofNullable(values.get("keystore")).map(Path::of),
                Optional.ofNullable(values.get("keystorePassword")),
                hostExitShutdown(values.get("hostExitShutdownMillis")),
                origins(values.getOrDefault(ALLOW_ORIGIN, "")),
                List.copyOf(unknown));
    }

    private static List<String> origins(String value) {
        List<String> origins = new ArrayList<>();
        for (String origin : value.split(",")) {
            if (!origin.isBlank()) {
                origins.add(ExposureConfig.origin(origin));
            }
        }
        return List.copyOf(origins);
    }

    private static boolean bool(String key, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + "=" + value + ": must be true or false");
        };
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) { // reported below
        }
        throw new IllegalArgumentException("port=" + value + ": must be a number from 0 to 65535");
    }

    private static Duration hostExitShutdown(String value) {
        if (value == null) {
            return BackendContext.DEFAULT_HOST_EXIT_SHUTDOWN;
        }
        try {
            long millis = Long.parseLong(value);
            if (millis >= 0 && millis <= MAX_HOST_EXIT_SHUTDOWN_MILLIS) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) { // reported below
        }
        throw new IllegalArgumentException("hostExitShutdownMillis=" + value + ": must be a number from 0 to "
                + MAX_HOST_EXIT_SHUTDOWN_MILLIS);
    }

    private static String oneOf(String key, String value, String... allowed) {
        if (List.of(allowed).contains(value)) {
            return value;
        }
        throw new IllegalArgumentException(key + "=" + value + ": must be one of " + String.join(", ", allowed));
    }
}
