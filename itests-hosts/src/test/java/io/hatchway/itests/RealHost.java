package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real server distribution, unpacked by the build into {@code target/hosts/<kind>}, and how its
 * users boot it: its own start script (or {@code start.jar}), JVM options in the place its docs
 * name, a base or instance directory of its own per boot and free ports.
 */
abstract class RealHost {
    /** How the agent is put into the server's JVM. */
    enum Mode {
        /** No agent: what the server is without Hatchway. */
        PLAIN,
        /** {@code -javaagent} in the JVM options, where the server's docs say to add them. */
        JAVAAGENT,
        /** WildFly's documented way for agents: {@code MODULE_OPTS}, read by JBoss Modules. */
        MODULE_OPTS
    }

    /**
     * One boot: the process, where its log is, the URL of its own page.
     *
     * @param logFile the server's log file, or null when its log is the console
     */
    record Running(RealHost host, HostBoot boot, Path dir, String pageUrl, Path logFile, Map<String, String> extra) {
        /** The server's log as it is now: its log file, or its console. */
        List<String> log() {
            if (logFile == null) {
                return boot.console();
            }
            try {
                return Files.exists(logFile) ? Files.readAllLines(logFile) : List.of();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long awaitStarted() {
            return boot.awaitStarted(host.startedLine());
        }
    }

    private final String kind;
    private final String version;

    RealHost(String kind) {
        this.kind = kind;
        this.version = versions().get(kind);
    }

    static List<RealHost> all() {
        return List.of(new TomcatHost(), new JettyHost(), new WildFlyHost(), new ArtemisHost());
    }

    /** What a reader calls it: {@code Tomcat 10.1.59}. */
    abstract String displayName();

    /** The server's own line saying it has started; boot times run from launch to it. */
    abstract Pattern startedLine();

    /** A line of the server's log: group {@code level}, group {@code id} (its logger, category or message code). */
    abstract Pattern logLine();

    /** Prepares {@code dir} for one boot and starts the server in it; {@code agent} is the {@code -javaagent:} option, or null. */
    abstract Running start(Path dir, Jdk jdk, Mode mode, String agent) throws Exception;

    String version() {
        return version;
    }

    /** {@code tomcat}, {@code jetty}, {@code wildfly} or {@code artemis}: its directory under target/hosts. */
    String kind() {
        return kind;
    }

    /** The unpacked distribution's top directory: {@code target/hosts/<kind>/<the zip's one directory>}. */
    Path home() {
        Path unpacked = Path.of(System.getProperty("hatchway.hosts.dir", "target/hosts"), kind);
        assumeTrue(Files.isDirectory(unpacked), displayName() + " is not unpacked at " + unpacked
                + " (the build unpacks it from Maven Central; it could not be resolved): skipped");
        try (Stream<Path> top = Files.list(unpacked)) {
            return top.filter(Files::isDirectory).findFirst().orElseThrow().toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return displayName();
    }

    private static Map<String, String> versions() {
        Map<String, String> versions = new HashMap<>();
        for (String entry : System.getProperty("hatchway.hosts.versions", "").split(",")) {
            if (entry.contains("=")) {
                versions.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
            }
        }
        return versions;
    }

    // --- helpers for the servers' set-up

    /** A port free on loopback now (the server binds it a moment later). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    /** Copies the tree {@code from} to {@code to}, modes kept (scripts stay executable). */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Replaces {@code literal} in a text file, which must contain it. */
    static void replace(Path file, String literal, String replacement) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(literal), file + " should contain " + literal);
        Files.writeString(file, text.replace(literal, replacement));
    }

    /** Runs a set-up command of the server's own (on {@code jdk}) to its end, bounded; it must succeed. */
    static void runToEnd(Jdk jdk, Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("setup.log").toFile());
        builder.environment().put("JAVA_HOME", jdk.home().toString());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("set-up step still running after 120 s: " + command);
        }
        assertEquals(0, process.exitValue(), "set-up step " + command + ", output in " + dir.resolve("setup.log"));
    }

    static List<String> command(String... words) {
        return new ArrayList<>(List.of(words));
    }
}
