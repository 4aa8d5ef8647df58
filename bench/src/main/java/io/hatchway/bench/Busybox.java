package io.hatchway.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Container material made from the host's static busybox, as the tests and the demo make it: a
 * root file system, bundles whose {@code config.json} is runc's own {@code spec}, and a Docker image
 * archive of the same root file system for {@code ctr images import} (no registry is reachable).
 */
final class Busybox {
    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final String IMAGE = "hatchway.bench/busybox:latest";
    private static final List<String> APPLETS = List.of("sh", "sleep", "true", "false", "echo", "cat", "ls", "ps",
            "kill", "env", "id");

    private Busybox() {
    }

    /** A read-only root file system: busybox and its applets under {@code /bin}, the usual mount points. */
    static Path rootfs(Path dir) throws IOException {
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String empty : List.of("proc", "sys", "dev", "tmp", "etc", "root")) {
            Files.createDirectories(dir.resolve(empty));
        }
        return dir;
    }

    /**
     * A bundle in {@code dir}: runc's {@code spec}, the given root file system (by absolute path,
     * so bundles share it), no terminal, {@code args} as the process, {@code env} added, and
     * {@code cgroupsPath} when not empty.
     */
    static Path bundle(Path dir, Path rootfs, List<String> args, List<String> env, String cgroupsPath)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String runc = Commands.find("runc").orElseThrow().toString();
        Commands.check(List.of(runc, "spec", "--bundle", dir.toString()), Duration.ofSeconds(30));
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) JolokiaClient.JSON.readTree(file.toFile());
        ObjectNode process = config.with("process");
        process.put("terminal", false);
        ArrayNode argv = process.putArray("args");
        args.forEach(argv::add);
        ArrayNode environment = (ArrayNode) process.get("env");
        env.forEach(environment::add);
        config.with("root").put("path", rootfs.toAbsolutePath().toString());
        if (!cgroupsPath.isEmpty()) {
            config.with("linux").put("cgroupsPath", cgroupsPath);
        }
        Files.writeString(file, JolokiaClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        return dir;
    }

    /**
     * A Docker image archive ({@code docker save} layout: {@code manifest.json}, the config blob,
     * one uncompressed layer) of {@code rootfs}, tagged {@value #IMAGE}, written to {@code archive}.
     */
    static Path imageArchive(Path rootfs, Path work, Path archive) throws IOException, InterruptedException {
        Path tar = Commands.find("tar").orElseThrow(() -> new IOException("tar is not installed"));
        Path layout = Files.createDirectories(work.resolve("image"));
        Path layer = work.resolve("layer.tar");
        Commands.check(List.of(tar.toString(), "--numeric-owner", "--owner=0", "--group=0", "-C", rootfs.toString(),
                "-cf", layer.toString(), "."), Duration.ofSeconds(60));
        String layerDigest = sha256(layer);
        Files.createDirectories(layout.resolve(layerDigest));
        Files.move(layer, layout.resolve(layerDigest).resolve("layer.tar"));

        ObjectNode config = JolokiaClient.JSON.createObjectNode();
        config.put("architecture", "amd64").put("os", "linux");
        ObjectNode run = config.putObject("config");
        run.putArray("Env").add("PATH=/bin");
        run.putArray("Cmd").add("/bin/sleep").add("3600");
        ObjectNode fs = config.putObject("rootfs");
        fs.put("type", "layers");
        fs.putArray("diff_ids").add("sha256:" + layerDigest);
        byte[] configBytes = JolokiaClient.JSON.writeValueAsBytes(config);
        String configDigest = sha256(configBytes);
        Files.write(layout.resolve(configDigest + ".json"), configBytes);

        ArrayNode manifest = JolokiaClient.JSON.createArrayNode();
        ObjectNode image = manifest.addObject();
        image.put("Config", configDigest + ".json");
        image.putArray("RepoTags").add(IMAGE);
        image.putArray("Layers").add(layerDigest + "/layer.tar");
        Files.write(layout.resolve("manifest.json"), JolokiaClient.JSON.writeValueAsBytes(manifest));

        Commands.check(List.of(tar.toString(), "--numeric-owner", "--owner=0", "--group=0", "-C", layout.toString(),
                "-cf", archive.toString(), "."), Duration.ofSeconds(60));
        return archive;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
