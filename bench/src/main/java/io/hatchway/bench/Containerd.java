package io.hatchway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of the benchmark's own (Debian's package), the way a user would run {@code ctr}
 * against it, started for the run and stopped at its end: its root, state, runc root, FIFOs and
 * sockets all under one temporary folder, gRPC and ttrpc on unix sockets only (no debug or metrics
 * listener, the CRI plugin and its streaming server disabled), the native snapshotter, and a
 * busybox image imported from an archive made here.
 */
final class Containerd implements AutoCloseable {
    static final String NAMESPACE = "hatchway-bench";
    private static final Duration COMMAND = Duration.ofSeconds(60);

    private final Path dir;
    private final Path socket;
    private final Process daemon;
    private final String ctr;
    private final List<String> containers = new ArrayList<>();

    private Containerd(Path dir, Process daemon, String ctr) {
        this.dir = dir;
        this.socket = dir.resolve("containerd.sock");
        this.daemon = daemon;
        this.ctr = ctr;
    }

    /** Why containerd cannot be measured here, or empty. */
    static Optional<String> unavailable() {
        for (String binary : List.of("containerd", "ctr", "containerd-shim-runc-v2")) {
            if (Commands.find(binary).isEmpty()) {
                return Optional.of(binary + " is not installed (apt-get install -y containerd)");
            }
        }
        return Optional.empty();
    }

    /** Starts containerd under {@code dir}; returns once {@code ctr version} answers. */
    static Containerd start(Path dir) throws IOException, InterruptedException {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.overlayfs",
                  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

                [grpc]
                  address = "%1$s/containerd.sock"

                [ttrpc]
                  address = "%1$s/containerd-ttrpc.sock"

                [debug]
                  address = ""

                [metrics]
                  address = ""

                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                """.formatted(dir));
        Process daemon = new ProcessBuilder(Commands.find("containerd").orElseThrow().toString(), "--config",
                config.toString()).redirectInput(new java.io.File("/dev/null"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        Containerd containerd = new Containerd(dir, daemon, Commands.find("ctr").orElseThrow().toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (!daemon.isAlive()) {
                throw new IOException("containerd exited with status " + daemon.exitValue() + "; its log: "
                        + Commands.tail(dir.resolve("containerd.log")));
            }
            if (Files.exists(containerd.socket)
                    && Commands.run(containerd.ctr("version"), COMMAND).exitCode() == 0) {
                return containerd;
            }
            if (System.nanoTime() > deadline) {
                containerd.close();
                throw new IOException("containerd did not answer within 30 s; its log: "
                        + Commands.tail(dir.resolve("containerd.log")));
            }
            Thread.sleep(50);
        }
    }

    long pid() {
        return daemon.pid();
    }

    /** {@code ctr --address <socket> --namespace hatchway-bench <args>}. */
    List<String> ctr(String... args) {
        List<String> argv = new ArrayList<>(List.of(ctr, "--address", socket.toString(), "--namespace", NAMESPACE));
        argv.addAll(List.of(args));
        return argv;
    }

    void importImage(Path archive) throws IOException, InterruptedException {
        Commands.check(ctr("images", "import", "--snapshotter", "native", archive.toString()), COMMAND);
    }

    /** {@code ctr run --detach} of the image's {@code sleep}, its cgroup {@code cgroupsPath}, carrying {@code env}. */
    void run(String id, String cgroupsPath, String env) throws IOException, InterruptedException {
        Commands.check(ctr("run", "--detach", "--null-io", "--snapshotter", "native", "--runc-root",
                dir.resolve("runc").toString(), "--cgroup", cgroupsPath, "--env", env, Busybox.IMAGE, id,
                "/bin/sleep", "3600"), COMMAND);
        containers.add(id);
    }

    /** {@code ctr task exec} of {@code args} in container {@code id}: it returns when the process has exited. */
    List<String> exec(String id, String execId, String... args) {
        List<String> argv = ctr("task", "exec", "--exec-id", execId, "--fifo-dir", dir.resolve("fifo").toString(),
                id);
        argv.addAll(List.of(args));
        return argv;
    }

    /** What containerd still holds in the namespace: tasks and containers (should be nothing after close). */
    String leftovers() throws IOException, InterruptedException {
        String tasks = Commands.run(ctr("tasks", "list", "--quiet"), COMMAND).stdout().strip();
        String list = Commands.run(ctr("containers", "list", "--quiet"), COMMAND).stdout().strip();
        return (tasks + " " + list).strip();
    }

    /** Whether containerd listens on any TCP port (it must not: unix sockets only). */
    String tcpListeners() throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && ownedByDaemon(f[9])) {
                    out.append(f[1]).append(' ');
                }
            }
        }
        return out.toString().strip();
    }

    private boolean ownedByDaemon(String inode) throws IOException {
        Path fds = Path.of("/proc", Long.toString(daemon.pid()), "fd");
        try (var links = Files.list(fds)) {
            for (Path fd : links.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("socket:[" + inode + "]")) {
                        return true;
                    }
                } catch (IOException e) { // closed meanwhile
                }
            }
        }
        return false;
    }

    /** Removes the containers, the image and the snapshots, then stops containerd (SIGTERM, then SIGKILL). */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (daemon.isAlive()) {
                for (String id : containers) {
                    Commands.run(ctr("tasks", "kill", "--signal", "SIGKILL", id), COMMAND);
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (Commands.run(ctr("tasks", "delete", id), COMMAND).exitCode() != 0
                            && System.nanoTime() < deadline
                            && Commands.run(ctr("tasks", "list", "--quiet"), COMMAND).stdout().contains(id)) {
                        Thread.sleep(100);
                    }
                    Commands.run(ctr("containers", "delete", id), COMMAND);
                }
                containers.clear();
                Commands.run(ctr("images", "remove", "--sync", Busybox.IMAGE), COMMAND);
            }
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(15, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
                daemon.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }
}
