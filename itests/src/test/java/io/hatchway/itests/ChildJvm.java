package io.hatchway.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import io.hatchway.testsupport.TaskClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A real child JVM, in the manner of OpenTelemetry's {@code IntegrationTestUtils.runOnSeparateJvm}:
 * started from the JDK named by system property {@code hatchway.test.java} (else the JDK running
 * the tests), its stdout and stderr drained on threads (and echoed with its pid), every wait
 * bounded by {@link #TIMEOUT}, and {@link #close()} always leaves it dead.
 *
 * <p>{@link #jmx()} reaches it the way JConsole does: the Attach API starts its local management
 * agent, and a JMX connector connects to the address that returns.
 */
final class ChildJvm implements AutoCloseable {
    /** Bound of every wait on a child JVM: start, attach, exit. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ObjectName TASK_SERVICE = TaskClient.TASK_SERVICE;
    /** What every line the agent prints on its host's stderr starts with. */
    static final String AGENT_PREFIX = "[hatchway]";
    private static final Pattern JOLOKIA_URL = Pattern.compile("Jolokia at (\\S+)");

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final List<Thread> drains = new ArrayList<>();
    private JMXConnector connector;

    private ChildJvm(List<String> command) throws IOException {
        this(command, java.util.Map.of());
    }

    private ChildJvm(List<String> command, java.util.Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        this.process = builder.start();
        drains.add(drain(process.getInputStream(), stdout, "out"));
        drains.add(drain(process.getErrorStream(), stderr, "err"));
    }

    /** {@code java <arguments>} in a new JVM. */
    static ChildJvm launch(List<String> arguments) throws IOException {
        return launch(defaultJava(), arguments);
    }

    /** {@code <java> <arguments>} in a new JVM: {@code java} is the {@code java} binary to run. */
    static ChildJvm launch(Path java, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        // Small and quick: two cores are shared with the build.
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m"));
        command.addAll(arguments);
        return new ChildJvm(command);
    }

    /**
     * A {@link HostMain} with {@code -javaagent:<agent jar>=<agentOptions>} and these variables added
     * to the tests' environment (a {@code PATH} where the agent finds a wrapped runtime), once it
     * says it runs.
     */
    static ChildJvm startHost(String agentOptions, java.util.Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>(List.of(defaultJava().toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx128m", "-javaagent:" + agentJar() + "=" + agentOptions, "-cp",
                hostClassPath(), HostMain.class.getName()));
        ChildJvm jvm = new ChildJvm(command, environment);
        try {
            jvm.awaitStdout(HostMain.RUNNING);
        } catch (RuntimeException | Error e) {
            jvm.close();
            throw e;
        }
        return jvm;
    }

    /** Kills the child with SIGKILL (no shutdown hook runs) and waits, bounded, until it is gone. */
    void killHard() throws InterruptedException {
        closeConnector();
        process.destroyForcibly();
        awaitExit();
    }

    /** {@code <java> <arguments>}, once it printed {@code runningLine} on stdout. */
    static ChildJvm start(Path java, List<String> arguments, String runningLine) throws IOException {
        ChildJvm jvm = launch(java, arguments);
        try {
            jvm.awaitStdout(runningLine);
        } catch (RuntimeException | Error e) {
            jvm.close();
            throw e;
        }
        return jvm;
    }

    /** A {@link HostMain} with {@code -javaagent:<agent jar>=<agentOptions>}, once it says it runs. */
    static ChildJvm startHost(String agentOptions) throws IOException {
        return startHost(defaultJava(), agentOptions);
    }

    /**
     * A {@link HostMain} on {@code java}, once it says it runs: with
     * {@code -javaagent:<agent jar>=<agentOptions>}, or without the agent when {@code agentOptions}
     * is null. {@code hostArguments} are ignored by the host but show in its display name (what the
     * attach CLI's regex matches).
     */
    static ChildJvm startHost(Path java, String agentOptions, String... hostArguments) throws IOException {
        List<String> arguments = new ArrayList<>();
        if (agentOptions != null) {
            arguments.add("-javaagent:" + agentJar() + "=" + agentOptions);
        }
        arguments.addAll(List.of("-cp", hostClassPath(), HostMain.class.getName()));
        arguments.addAll(List.of(hostArguments));
        return start(java, arguments, HostMain.RUNNING);
    }

    /**
     * {@code <java> -jar <agent jar> <arguments>}: the attach CLI, run to its end.
     *
     * @return the finished CLI: its {@link #exitStatus()}, {@link #stdout()} and {@link #stderr()}
     */
    static ChildJvm cli(Path java, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("-jar", agentJar().toString()));
        command.addAll(List.of(arguments));
        ChildJvm cli = launch(java, command);
        cli.awaitExit();
        return cli;
    }

    /** A host with the process backend, its state in {@code stateDir}, Jolokia on a free port. */
    static ChildJvm startHost(Path stateDir) throws IOException {
        return startHost("backend=process,port=0,stateDir=" + stateDir);
    }

    static Path agentJar() {
        String jar = System.getProperty("hatchway.agent.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)),
                "system property hatchway.agent.jar must name the built agent jar (mvn package first): " + jar);
        return Path.of(jar).toAbsolutePath().normalize();
    }

    /** The JDK named by {@code -Dhatchway.test.java} (a JDK directory or its java binary), else the tests' own. */
    static Path defaultJava() {
        String home = System.getProperty("hatchway.test.java", "");
        if (!home.isBlank()) {
            Path bin = Path.of(home, "bin", "java");
            return Files.isExecutable(bin) ? bin : Path.of(home);
        }
        return Path.of(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    }

    /** Only the host's own classes: the agent must bring everything it needs. */
    static String hostClassPath() {
        try {
            return Path.of(HostMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Thread drain(InputStream stream, List<String> lines, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println("[child " + process.pid() + " " + name + "] " + line);
                }
            } catch (IOException e) { // the child is gone
            }
        }, "child-" + process.pid() + "-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    long pid() {
        return process.pid();
    }

    /** The exit status of a child that has exited. */
    int exitStatus() {
        return process.exitValue();
    }

    List<String> stdout() {
        return List.copyOf(stdout);
    }

    /** The agent's lines on the host's stderr: those that start with {@code [hatchway]}. */
    List<String> agentLines() {
        return stderr.stream().filter(l -> l.startsWith(AGENT_PREFIX)).toList();
    }

    /**
     * The Jolokia URL the agent announced in its {@code [hatchway] started: ...} line on the host's
     * stderr, once it did (bounded).
     */
    String jolokiaUrl() {
        awaitStderr(line -> line.startsWith(AGENT_PREFIX + " started:"));
        return announcedJolokiaUrl().orElseThrow();
    }

    /** The Jolokia URL of the agent's {@code [hatchway] started: ...} line, if it printed it yet. */
    Optional<String> announcedJolokiaUrl() {
        return stderr.stream().filter(l -> l.startsWith(AGENT_PREFIX + " started:")).findFirst().map(started -> {
            Matcher url = JOLOKIA_URL.matcher(started);
            assertTrue(url.find(), "the start line names the Jolokia URL: " + started);
            return url.group(1);
        });
    }

    /** Neither the agent nor anything else printed a stack trace on this child's stderr. */
    void assertNoStackTrace() {
        for (String line : stderr) {
            assertTrue(!line.startsWith("\tat ") && !line.startsWith("Exception in thread") && !line.startsWith("Caused by:"),
                    "no stack trace on the child's stderr: " + stderr);
        }
    }

    List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** Waits, bounded, until the child printed {@code line} on stdout; fails early if it exits. */
    void awaitStdout(String line) {
        await("child JVM to print '" + line + "'").atMost(TIMEOUT)
                .failFast("child JVM exited; stderr: " + stderr, () -> !process.isAlive() && !stdout.contains(line))
                .until(() -> stdout.contains(line));
    }

    /** Waits, bounded, until the child printed a line starting with {@code prefix} on stdout. @return the last such line */
    String awaitStdoutStartingWith(String prefix) {
        await("child JVM to print a line starting with '" + prefix + "'").atMost(TIMEOUT)
                .failFast("child JVM exited; stderr: " + stderr, () -> !process.isAlive())
                .until(() -> stdout.stream().anyMatch(l -> l.startsWith(prefix)));
        return stdout.stream().filter(l -> l.startsWith(prefix)).reduce((first, last) -> last).orElseThrow();
    }

    /** Writes {@code line} to the child's stdin. */
    void sendLine(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits, bounded, until the child printed a line matching {@code line} on stderr. */
    void awaitStderr(Predicate<String> line) {
        await("child JVM to print the expected line on stderr").atMost(TIMEOUT)
                .failFast("child JVM exited; stderr: " + stderr, () -> !process.isAlive() && stderr.stream().noneMatch(line))
                .until(() -> stderr.stream().anyMatch(line));
    }

    /**
     * The child's platform MBeans over a real JMX connector, once {@code hatchway:type=TaskService}
     * is registered.
     */
    MBeanServerConnection jmx() throws Exception {
        MBeanServerConnection connection = connect();
        await("hatchway:type=TaskService in the child JVM").atMost(TIMEOUT)
                .failFast("child JVM exited; stderr: " + stderr, () -> !process.isAlive())
                .until(() -> connection.isRegistered(TASK_SERVICE));
        return connection;
    }

    /** The child's platform MBeans as JConsole reaches them: Attach API, then the local connector address. */
    MBeanServerConnection connect() throws Exception {
        if (connector == null) {
            connector = connectLocal(process.pid());
        }
        return connector.getMBeanServerConnection();
    }

    /** A JMX connector to the platform MBeans of JVM {@code pid}, as JConsole opens it: Attach API, local connector address. */
    static JMXConnector connectLocal(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        return JMXConnectorFactory.connect(new JMXServiceURL(address));
    }

    /** Closes the child's stdin and waits, bounded, for it to exit. @return its exit status */
    int stop() throws IOException, InterruptedException {
        closeConnector();
        process.getOutputStream().close();
        return awaitExit();
    }

    /** Waits, bounded, for the child to exit by itself. @return its exit status */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("child JVM " + process.pid() + " still running after " + TIMEOUT + "; stderr: " + stderr);
        }
        joinDrains();
        return process.exitValue();
    }

    private void joinDrains() throws InterruptedException {
        for (Thread t : drains) {
            t.join(TIMEOUT.toMillis());
        }
    }

    private void closeConnector() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) { // the child is gone already
            }
            connector = null;
        }
    }

    /** Always leaves the child dead: closes the connector and stdin, then destroys it if it lingers. */
    @Override
    public void close() {
        closeConnector();
        try {
            process.getOutputStream().close();
        } catch (IOException e) { // closed already
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            joinDrains();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        assertTrue(!process.isAlive(), "child JVM " + process.pid() + " could not be stopped");
    }
}
