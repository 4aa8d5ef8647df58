package io.hatchway.mbeans;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.oci.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * OCI bundles and process objects for tests: real commands, nothing faked. The commands are under
 * {@code /bin}, where the host has them and so has the busybox root file system of a runc bundle
 * (see {@link Backend#writeBundle}).
 */
final class Bundles {
    static final String SH = "/bin/sh";
    static final String SLEEP = "/bin/sleep";
    /**
     * In the environment of every process the tests start, and inherited by their children: it
     * finds a test's processes even after they left the JVM's process tree (orphans re-parent to
     * init), where {@link ProcessHandle#descendants()} no longer sees them.
     */
    static final String MARKER = "HATCHWAY_TEST_JVM=" + ProcessHandle.current().pid();

    private Bundles() {
    }

    /** A process that runs until it is signalled (well past any test). */
    static String[] longRunning() {
        return new String[] {SLEEP, "600"};
    }

    /** {@code sh -c script}. */
    static String[] shell(String script) {
        return new String[] {SH, "-c", script};
    }

    /** An OCI runtime-spec {@code process} object running {@code args}. */
    static String process(String... args) {
        return processNode(args).toString();
    }

    static ObjectNode processNode(String... args) {
        ObjectNode process = Json.MAPPER.createObjectNode();
        ArrayNode argv = process.putArray("args");
        for (String arg : args) {
            argv.add(arg);
        }
        process.putArray("env").add("PATH=/usr/bin:/bin").add(MARKER);
        process.put("cwd", "/");
        return process;
    }

    /** A {@code config.json} whose process runs {@code args}. */
    static String config(String processJson) {
        return "{\"ociVersion\":\"1.0.2\",\"process\":" + processJson + "}";
    }

    /** Writes {@code dir/config.json} running {@code args} and returns the absolute bundle directory. */
    static Path write(Path dir, String... args) {
        return writeConfig(dir, config(process(args)));
    }

    /** Writes {@code dir/config.json} with exactly {@code text}. */
    static Path writeConfig(Path dir, String text) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.toAbsolutePath();
    }
}
