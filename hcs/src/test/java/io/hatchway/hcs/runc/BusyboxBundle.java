package io.hatchway.hcs.runc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test bundles: a rootfs holding the host's static busybox and its applets, and a config.json
 * made by {@code runc spec} (so it suits the installed runc), without a cgroupsPath, with the
 * given process and no terminal.
 */
public final class BusyboxBundle {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final List<String> APPLETS = List.of("sh", "sleep", "echo", "cat", "true", "false", "ls", "ps",
            "kill", "touch", "mount", "grep", "wc", "id", "env", "mkdir", "rm", "yes", "head", "tr", "dd", "pwd",
            "test");

    private BusyboxBundle() {
    }

    /** Skips the calling test, saying why, unless this host can run containers the way the backend does. */
    public static void assumeContainersWork() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "containers need Linux");
        assumeTrue(LibC.INSTANCE.getuid() == 0, "runc containers need root (tests run as uid "
                + LibC.INSTANCE.getuid() + ")");
        assumeTrue(OciRuntime.find("runc").isPresent(), "runc is not installed (apt-get install runc)");
        assumeTrue(Conmon.find().isPresent(), "conmon is not installed (apt-get install conmon)");
        assumeTrue(Files.isExecutable(BUSYBOX), "no static busybox at /bin/busybox (apt-get install busybox-static)");
    }

    /** Writes a bundle into {@code dir} whose process runs {@code args}. */
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
        Process spec = new ProcessBuilder(OciRuntime.find("runc").orElseThrow().toString(), "spec", "--bundle",
                dir.toString()).redirectErrorStream(true).start();
        if (!spec.waitFor(30, TimeUnit.SECONDS) || spec.exitValue() != 0) {
            throw new IOException("runc spec failed: " + new String(spec.getInputStream().readAllBytes()));
        }
        writeProcess(dir, args);
        return dir;
    }

    /** Replaces the bundle's process arguments. */
    public static void writeProcess(Path dir, String... args) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        ObjectNode process = config.with("process");
        process.put("terminal", false);
        ArrayNode argv = process.putArray("args");
        for (String arg : args) {
            argv.add(arg);
        }
        Files.writeString(file, Json.write(config));
    }
}
