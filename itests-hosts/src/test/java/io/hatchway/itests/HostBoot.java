package io.hatchway.itests;

import static org.awaitility.Awaitility.await;

import io.hatchway.testsupport.Leftovers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One boot of a real server, started the way its users start it (its own script or
 * {@code java -jar start.jar}) with the environment its docs name for JVM options. Its console
 * (stdout and stderr, as a terminal shows them together) is kept in memory and in
 * {@code console.log}; every wait is bounded; {@link #close()} leaves no process of its tree alive.
 */
final class HostBoot implements AutoCloseable {
    /** Bound of a boot on two shared cores; WildFly needs the most. */
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(240);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern ERROR = Pattern.compile("\\b(ERROR|FATAL|SEVERE)\\b|Exception|Error:");

    private final Process process;
    private final long launchedNanos = System.nanoTime();
    private final Path java;
    private final List<String> console = new CopyOnWriteArrayList<>();
    /** Every process of the tree seen so far, so {@link #close()} ends them even after they were re-parented. */
    private final Set<ProcessHandle> tree = new LinkedHashSet<>();
    private final Thread drain;
    private volatile long startedNanos;

    /**
     * Starts {@code command} in {@code dir} with {@code environment} added to this JVM's. The server
     * runs on {@code jdk}: JAVA_HOME names it, and its {@code java} is the host JVM looked for.
     */
    HostBoot(Jdk jdk, List<String> command, Map<String, String> environment, Path dir) throws IOException {
        this.java = jdk.java();
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", jdk.home().toString());
        builder.environment().put("PATH", jdk.home().resolve("bin") + ":" + builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(environment);
        this.process = builder.start();
        tree.add(process.toHandle());
        PrintWriter file = new PrintWriter(Files.newBufferedWriter(dir.resolve("console.log"), StandardCharsets.UTF_8), true);
        this.drain = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 file) {
                for (String line; (line = reader.readLine()) != null; ) {
                    console.add(line);
                    file.println(line);
                }
            } catch (IOException e) { // the server is gone
            }
        }, "host-" + process.pid() + "-console");
        drain.setDaemon(true);
        drain.start();
    }

    /**
     * Waits, bounded, until a line of the console matches {@code startedLine} (the server's own
     * "started" line), and notes when. Fails early when the server exits first.
     *
     * @return milliseconds from launch to that line
     */
    long awaitStarted(Pattern startedLine) {
        await("the server's started line " + startedLine).atMost(BOOT_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .failFast("the server exited before its started line; its errors: " + errors(), () -> !process.isAlive() && !started(startedLine))
                .until(() -> started(startedLine));
        return TimeUnit.NANOSECONDS.toMillis(startedNanos - launchedNanos);
    }

    private boolean started(Pattern startedLine) {
        if (startedNanos == 0 && console.stream().anyMatch(l -> startedLine.matcher(l).find())) {
            startedNanos = System.nanoTime();
        }
        return startedNanos != 0;
    }

    /** The server's JVM: the process of the tree that runs the JDK's {@code java} (scripts may fork it). */
    ProcessHandle jvm() {
        return await("the server's JVM").atMost(Duration.ofSeconds(30)).until(this::findJvm, Optional::isPresent).orElseThrow();
    }

    private Optional<ProcessHandle> findJvm() {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(process.toHandle());
        process.descendants().forEach(all::add);
        synchronized (tree) {
            tree.addAll(all);
        }
        return all.stream().filter(p -> p.info().command().map(c -> Path.of(c).equals(java)).orElse(false)).findFirst();
    }

    long pid() {
        return jvm().pid();
    }

    List<String> console() {
        return List.copyOf(console);
    }

    /** The console's lines that report an error, as one line: what a user reads first when a boot fails. */
    String errors() {
        return String.join(" | ", console().stream().filter(l -> ERROR.matcher(l).find()).limit(6).toList());
    }

    /**
     * Stops the server as an init system does: SIGTERM to its JVM (every server here shuts down
     * cleanly on it), then waits, bounded, for the whole launch to end.
     *
     * @return whether it ended within {@link #STOP_TIMEOUT}
     */
    boolean stop() throws InterruptedException {
        findJvm().ifPresent(ProcessHandle::destroy);
        boolean ended = process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        drain.join(5_000);
        return ended;
    }

    /** Ends whatever of the tree is still alive (SIGKILL) and says what that was: empty when nothing was left. */
    List<String> killTree() throws InterruptedException {
        findJvm();
        List<String> killed = new ArrayList<>();
        synchronized (tree) {
            for (ProcessHandle p : tree) {
                if (!Leftovers.ended(p)) { // a zombie has ended: only its parent has not collected it yet
                    killed.add(p.pid() + " " + p.info().commandLine().orElse("?"));
                    p.destroyForcibly();
                }
            }
            for (ProcessHandle p : tree) {
                p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join();
            }
        }
        process.waitFor(10, TimeUnit.SECONDS);
        drain.join(5_000);
        return killed;
    }

    @Override
    public void close() {
        try {
            killTree();
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
