package io.hatchway.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * OCI bundles of a container: a rootfs holding the host's static busybox and its applets, and a
 * config.json made by {@code runc spec} (so it suits the installed runc: namespaces, mounts, user,
 * capabilities are what a user of runc gets), with the test's process and no terminal.
 */
public final class BusyboxBundle {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final List<String> APPLETS = List.of("sh", "sleep", "echo", "cat", "true", "false", "ls", "ps",
            "kill", "touch", "mount", "grep", "wc", "id", "env", "mkdir", "rm", "yes", "head", "tr", "dd", "pwd",
            "test");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BusyboxBundle() {
    }

    /** Skips the calling test, saying why, unless this host can run containers as the runc backend does. */
    public static void assumeContainersWork() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "containers need Linux");
        int uid = uid();
        assumeTrue(uid == 0, "runc containers need root (tests run as uid " + uid + ")");
        assumeTrue(onPath("runc").isPresent(), "runc is not installed (apt-get install runc)");
        assumeTrue(onPath("conmon").isPresent(), "conmon is not installed (apt-get install conmon)");
        assumeTrue(Files.isExecutable(BUSYBOX), "no static busybox at /bin/busybox (apt-get install busybox-static)");
    }

    /** Writes a bundle into {@code dir} whose process runs {@code args}; returns {@code dir}. */
    public static Path create(Path dir, String... args) throws IOException, InterruptedException {
        Path bin = dir.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String empty : List.of("proc", "sys", "dev", "tmp", "etc")) {
            Files.createDirectories(dir.resolve("rootfs").resolve(empty));
        }
        Process spec = new ProcessBuilder(onPath("runc").orElseThrow().toString(), "spec", "--bundle", dir.toString())
                .redirectErrorStream(true).start();
        if (!spec.waitFor(30, TimeUnit.SECONDS) || spec.exitValue() != 0) {
            spec.destroyForcibly();
            throw new IOException("runc spec failed: " + new String(spec.getInputStream().readAllBytes()));
        }
        writeProcess(dir, args);
        return dir;
    }

    /**
     * Writes a bundle into {@code dir} whose process is {@code process}, an OCI process object laid
     * over {@code runc spec}'s; returns the absolute bundle directory.
     */
    public static Path create(Path dir, ObjectNode process) {
        try {
            create(dir, "true");
            edit(dir, config -> config.withObjectProperty("process").setAll(process));
            return dir.toAbsolutePath();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the bundle's process arguments. */
    public static void writeProcess(Path dir, String... args) throws IOException {
        edit(dir, config -> {
            ObjectNode process = config.withObjectProperty("process");
            process.put("terminal", false);
            ArrayNode argv = process.putArray("args");
            Arrays.stream(args).forEach(argv::add);
        });
    }

    /**
     * Makes the container share the host's pid namespace (drops the {@code pid} entry of
     * {@code linux.namespaces}): its init is then no pid 1, and its other processes do not die with it.
     */
    public static void shareHostPidNamespace(Path dir) {
        try {
            edit(dir, config -> {
                ArrayNode namespaces = (ArrayNode) config.path("linux").path("namespaces");
                for (int i = namespaces.size() - 1; i >= 0; i--) {
                    if (namespaces.get(i).path("type").asText().equals("pid")) {
                        namespaces.remove(i);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void edit(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(config);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    /** The first executable {@code name} on the {@code PATH}. */
    public static Optional<Path> onPath(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        return Arrays.stream(path.split(":")).filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable).findFirst();
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
