package io.hatchway.itests;

import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * A Prometheus scrape of the real agent in a host JVM: {@code GET /metrics} over real HTTP with the
 * Jolokia password, the text checked by Prometheus's own parser and linter ({@code promtool check
 * metrics}, Debian's {@code prometheus} package), its figures against the task's {@code stats()}
 * and its execs, its latency histogram against the operations invoked; and the same door as
 * Jolokia's: 401 without the password, 405 for anything but GET.
 */
class MetricsScrapeTest extends HostJvmTest {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)(\\{[^}]*\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    @Test
    void theScrapeHoldsEachTasksFiguresExecCountsAndOperationLatencies() throws Exception {
        client.startedTask("t1", bundleDir("t1"));
        try {
            scrapeATask();
        } finally {
            client.killAndDelete("t1");
        }
    }

    private void scrapeATask() throws Exception {
        client.createExec("t1", "failed", "exit 3");
        client.start("t1", "failed");
        assertEquals(3L, client.waitExec("t1", "failed").get("exitStatus"));
        client.createExec("t1", "running", SLEEP);
        client.start("t1", "running");
        client.createExec("t1", "created", SLEEP);
        JolokiaClient jolokia = JolokiaClient.withPasswordFile(jvm.jolokiaUrl(), dir.resolve("state"));
        for (int i = 0; i < 2; i++) {
            jolokia.exec("hatchway:type=Task,name=t1", "state", "running");
        }
        JsonNode timedOut = jolokia.post(JolokiaClient.execRequest("hatchway:type=Exec,task=t1,name=running",
                "waitFor", 1));
        assertTrue(timedOut.path("error").asText().startsWith("DeadlineExceeded: "), timedOut::toString); // counted too

        CompositeData before = container(client.invoke(task("t1"), "stats"));
        HttpResponse<String> scraped = jolokia.sendTo("/metrics", "GET", null, Map.of());
        CompositeData after = container(client.invoke(task("t1"), "stats"));

        assertEquals(200, scraped.statusCode(), scraped::body);
        assertTrue(scraped.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String text = scraped.body();
        Map<String, Double> samples = samples(text);
        assertEquals(number(before, "pidsCurrent"), number(after, "pidsCurrent"), "sleeping processes only");
        assertEquals(number(before, "pidsCurrent"), samples.get(key("hatchway_task_pids", "task", "t1")), text);
        assertBetween(number(before, "memoryUsageBytes"), number(after, "memoryUsageBytes"),
                samples.get(key("hatchway_task_memory_bytes", "task", "t1")), "memory");
        assertBetween(number(before, "cpuTotal100ns") / 1e7, number(after, "cpuTotal100ns") / 1e7,
                samples.get(key("hatchway_task_cpu_seconds_total", "task", "t1")), "CPU seconds");
        assertEquals(1.0, samples.get(key("hatchway_execs", "task", "t1", "state", "created")), text);
        assertEquals(2.0, samples.get(key("hatchway_execs", "task", "t1", "state", "running")), text);
        assertEquals(1.0, samples.get(key("hatchway_execs", "task", "t1", "state", "exited")), text);
        assertEquals(1.0, samples.get(key("hatchway_exited_execs", "task", "t1", "exit_status", "3")), text);
        assertEquals(2.0, samples.get(key("hatchway_operation_duration_seconds_count", "mbean", "Task",
                "operation", "state")), text);
        assertEquals(2.0, samples.get(key("hatchway_operation_duration_seconds_bucket", "mbean", "Task",
                "operation", "state", "le", "+Inf")), text);
        assertEquals(1.0, samples.get(key("hatchway_operation_duration_seconds_count", "mbean", "Exec",
                "operation", "waitFor")), text);

        HttpResponse<String> anonymous = JolokiaClient.anonymous(jvm.jolokiaUrl()).sendTo("/metrics", "GET", null, Map.of());
        assertEquals(401, anonymous.statusCode(), anonymous::body);
        HttpResponse<String> posted = jolokia.sendTo("/metrics", "POST", "{}", Map.of());
        assertEquals(405, posted.statusCode(), posted::body);

        assertEquals("", promtoolCheck(text), "promtool check metrics found problems in:\n" + text);
    }

    private static CompositeData container(Object stats) {
        return (CompositeData) ((CompositeData) stats).get("container");
    }

    private static double number(CompositeData data, String key) {
        return ((Number) data.get(key)).doubleValue();
    }

    private static void assertBetween(double low, double high, Double value, String what) {
        assertTrue(value != null && Math.min(low, high) <= value && value <= Math.max(low, high),
                what + " " + value + " is not between stats() before (" + low + ") and after (" + high + ")");
    }

    /** Every sample line as {@link #key} → value. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Matcher matcher = SAMPLE.matcher(text);
        while (matcher.find()) {
            List<String> labels = new ArrayList<>();
            if (matcher.group(2) != null) {
                Matcher label = LABEL.matcher(matcher.group(2));
                while (label.find()) {
                    labels.add(label.group(1));
                    labels.add(label.group(2));
                }
            }
            samples.put(key(matcher.group(1), labels.toArray(String[]::new)), Double.parseDouble(matcher.group(3)));
        }
        return samples;
    }

    /** A sample's name and labels (name, value, name, value, ...), whatever order they were written in. */
    private static String key(String name, String... labels) {
        Map<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            sorted.put(labels[i], labels[i + 1]);
        }
        return name + sorted;
    }

    /** What Prometheus's own parser and linter say of {@code text}: "" when it parses cleanly. */
    private static String promtoolCheck(String text) throws IOException, InterruptedException {
        Path promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(promtool != null, "promtool is not installed (Debian's prometheus package): the scrape was not"
                + " checked by Prometheus's parser");
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = check.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(30, TimeUnit.SECONDS), "promtool did not end within 30 s");
        return check.exitValue() == 0 ? said.strip() : "exit " + check.exitValue() + ": " + said;
    }
}
