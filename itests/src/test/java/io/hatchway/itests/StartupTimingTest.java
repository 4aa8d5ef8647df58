package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A measurement, not an assertion: how long {@code premain} holds the host back (when the host's
 * main begins after the JVM is launched, with the agent and without), and how long after launch
 * Jolokia first answers an authenticated request. A no-op agent is the baseline of what any
 * {@code -javaagent} costs. Medians of {@value #RUNS} runs of each, the three kinds alternating, printed to this test's output ({@code surefire-reports/*StartupTimingTest-output.txt})
 * and published as a report entry. Only that the hosts run and exit normally is asserted: timings on
 * two shared cores are no test.
 */
class StartupTimingTest {
    private static final int RUNS = 5;
    private static final String VERSION_REQUEST = "{\"type\":\"version\"}";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.hatchway.itests.Jdk#all")
    void premainBlockingAndJolokiaReadiness(Jdk jdk, TestReporter reporter) throws Exception {
        jdk.assumeInstalled();
        Path noopAgent = noopAgentJar();
        List<Double> mainWithout = new ArrayList<>();
        List<Double> mainNoop = new ArrayList<>();
        List<Double> mainWith = new ArrayList<>();
        List<Double> answers = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            mainWithout.add(launchToMain(jdk, List.of(), null).mainMillis());
            mainNoop.add(launchToMain(jdk, List.of("-javaagent:" + noopAgent), null).mainMillis());
            Path stateDir = dir.resolve("state-" + run);
            Timing with = launchToMain(jdk,
                    List.of("-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + stateDir), stateDir);
            mainWith.add(with.mainMillis());
            answers.add(with.jolokiaMillis());
        }
        String summary = String.format(Locale.ROOT, "startup timing on %s, medians of %d runs: the host's main begins "
                        + "%.0f ms after launch without an agent, %.0f ms with a no-op agent, %.0f ms with Hatchway "
                        + "(Hatchway holds the host back %.0f ms, %.0f ms more than a no-op agent); "
                        + "Jolokia answers %.0f ms after launch (%.0f ms after the host's main began)%n"
                        + "  main, no agent:    %s%n  main, no-op agent: %s%n  main, Hatchway:    %s%n  Jolokia answers:   %s",
                jdk, RUNS, median(mainWithout), median(mainNoop), median(mainWith),
                median(mainWith) - median(mainWithout), median(mainWith) - median(mainNoop),
                median(answers), median(answers) - median(mainWith), mainWithout, mainNoop, mainWith, answers);
        System.out.println(summary);
        reporter.publishEntry("startup timing", summary);
    }

    /** A jar whose manifest names {@link NoopAgent}, found on the host's class path. */
    private Path noopAgentJar() throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", NoopAgent.class.getName());
        Path jar = dir.resolve("noop-agent.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.flush();
        }
        return jar;
    }

    private record Timing(double mainMillis, double jolokiaMillis) {
    }

    /**
     * Launches a timing host with the {@code agent} arguments; returns when its main began after
     * launch and, when Hatchway's {@code stateDir} is given, when Jolokia first answered 200.
     */
    private static Timing launchToMain(Jdk jdk, List<String> agent, Path stateDir) throws Exception {
        List<String> arguments = new ArrayList<>(agent);
        arguments.addAll(List.of("-cp", ChildJvm.hostClassPath(), HostMain.class.getName(), HostMain.TIMING));
        long launchedMicros = epochMicros(Instant.now());
        long launched = System.nanoTime();
        try (ChildJvm host = ChildJvm.launch(jdk.java(), arguments)) {
            double jolokiaMillis = Double.NaN;
            if (stateDir != null) {
                awaitJolokiaAnswer(host, stateDir);
                jolokiaMillis = (System.nanoTime() - launched) / 1e6;
            }
            host.awaitStdout(HostMain.RUNNING);
            String entered = host.stdout().stream().filter(l -> l.startsWith(HostMain.MAIN_ENTERED)).findFirst().orElseThrow();
            double mainMillis = (Long.parseLong(entered.substring(HostMain.MAIN_ENTERED.length())) - launchedMicros) / 1e3;
            assertEquals(0, host.stop(), "the host exits 0");
            return new Timing(mainMillis, jolokiaMillis);
        }
    }

    /** Polls every millisecond, bounded by {@link ChildJvm#TIMEOUT}, until an authenticated request gets 200. */
    private static void awaitJolokiaAnswer(ChildJvm host, Path stateDir) throws InterruptedException {
        long deadline = System.nanoTime() + ChildJvm.TIMEOUT.toNanos();
        JolokiaClient client = null;
        while (System.nanoTime() < deadline) {
            if (client == null) {
                Optional<String> url = host.announcedJolokiaUrl();
                if (url.isPresent() && Files.exists(stateDir.resolve(JolokiaClient.PASSWORD_FILE))) {
                    try {
                        client = JolokiaClient.withPasswordFile(url.get(), stateDir);
                    } catch (IOException e) { // being written: next round
                    }
                }
            }
            if (client != null) {
                try {
                    if (client.send(VERSION_REQUEST).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) { // not answering yet
                }
            }
            Thread.sleep(1);
        }
        fail("Jolokia did not answer within " + ChildJvm.TIMEOUT + "; stderr: " + host.stderr());
    }

    private static long epochMicros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
