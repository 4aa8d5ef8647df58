package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} on a real exposure over real HTTP: the same authentication as Jolokia, GET
 * only, and the latency of each operation invoked through the exposure in its histogram. (The task
 * figures, from real tasks, are checked by itests' {@code MetricsScrapeTest}.)
 */
class MetricsEndpointTest {
    @TempDir
    static Path stateDir;
    static JolokiaExposure exposure;
    static JolokiaClient client;

    @BeforeAll
    static void start() throws Exception {
        TestBean.register();
        exposure = JolokiaExposure.start(Clients.onFreePort(stateDir));
        client = Clients.of(exposure);
    }

    @AfterAll
    static void stop() {
        exposure.close();
    }

    private static HttpResponse<String> scrape(Map<String, String> headers) {
        return client.sendTo("/metrics", "GET", null, headers);
    }

    @Test
    void eachOperationInvokedIsCountedInItsHistogram() {
        long before = count(scrape(Map.of()).body(), "echo");
        for (int i = 0; i < 3; i++) {
            client.post("""
                    {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["x"]}""");
        }
        HttpResponse<String> scraped = scrape(Map.of());
        assertEquals(200, scraped.statusCode(), scraped::body);
        assertTrue(scraped.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                scraped.headers()::toString);
        assertEquals(before + 3, count(scraped.body(), "echo"), scraped::body);
        assertTrue(scraped.body().contains("# TYPE hatchway_operation_duration_seconds histogram"), scraped::body);

        // failed operations count; calls of what does not exist do not (no series without end)
        client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"fail","arguments":["NotFound: x"]}""");
        client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"noSuchOperation"}""");
        client.post("""
                {"type":"exec","mbean":"hatchway:type=NoSuchType","operation":"echo","arguments":["x"]}""");
        String after = scrape(Map.of()).body();
        assertEquals(count(scraped.body(), "fail") + 1, count(after, "fail"), after);
        assertFalse(after.contains("noSuchOperation"), after);
        assertFalse(after.contains("NoSuchType"), after);
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() {
        HttpResponse<String> scraped = scrape(Map.of("Accept", "application/openmetrics-text;version=1.0.0"));
        assertEquals(200, scraped.statusCode(), scraped::body);
        assertTrue(scraped.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(scraped.body().endsWith("# EOF\n"), scraped::body);
    }

    @Test
    void sameAuthenticationAsJolokia() {
        assertEquals(401, client.anonymous().sendTo("/metrics", "GET", null, Map.of()).statusCode());
        assertEquals(401, client.as(JolokiaExposure.USER, "wrong").sendTo("/metrics", "GET", null, Map.of()).statusCode());
    }

    @Test
    void getOnly() {
        HttpResponse<String> posted = client.sendTo("/metrics", "POST", "{}", Map.of());
        assertEquals(405, posted.statusCode(), posted::body);
        assertEquals("GET", posted.headers().firstValue("Allow").orElse(""));
        assertEquals(405, client.sendTo("/metrics", "DELETE", null, Map.of()).statusCode());
        HttpResponse<String> head = client.sendTo("/metrics", "HEAD", null, Map.of());
        assertEquals(405, head.statusCode());
        assertEquals("", head.body());
        // and Jolokia's path still answers POST only
        assertEquals(405, client.send("GET", "", null, Map.of()).statusCode());
    }

    @Test
    void noBrowserPagesNoOtherPathsNoBodies() {
        HttpResponse<String> page = scrape(Map.of("Origin", "http://evil.example"));
        assertEquals(403, page.statusCode(), page::body);
        assertTrue(page.body().contains("PermissionDenied: "), page::body);
        assertEquals(404, client.sendTo("/metrics/other", "GET", null, Map.of()).statusCode());
        HttpResponse<String> withBody = client.sendTo("/metrics", "GET", "{}", Map.of());
        assertEquals(400, withBody.statusCode(), withBody::body);
        assertTrue(withBody.body().contains("InvalidArgument: "), withBody::body);
    }

    // The _count sample of the histogram of hatchway:type=Test's operation, 0 when absent.
    private static long count(String text, String operation) {
        Matcher matcher = Pattern.compile("(?m)^hatchway_operation_duration_seconds_count\\{mbean=\"Test\","
                + "operation=\"" + operation + "\"} (\\d+)").matcher(text);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
