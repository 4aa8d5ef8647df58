package io.hatchway.jolokia;

import static io.hatchway.jolokia.JolokiaExposureTest.assertErrorWithoutDetails;
import static io.hatchway.jolokia.JolokiaExposureTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.RawHttp;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile HTTP on real loopback sockets, by a client with the password or without: half-open
 * requests, slow bodies, huge bodies, deeply nested JSON, more long waits than the server runs.
 * Every attack is bounded in count and time and ends by itself. During each, an authenticated short
 * call (a read of a {@code hatchway} attribute) must answer — not time out — within a generous bound;
 * its latency is printed as {@code [hostile-http] <attack>: short call <n> ms}, never asserted.
 */
class HostileHttpTest {
    private static final Duration GENEROUS = Duration.ofSeconds(20);
    private static final String READ_NAME = """
            {"type":"read","mbean":"hatchway:type=Test","attribute":"Name"}""";
    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    @TempDir
    static Path stateDir;
    static JolokiaExposure exposure;
    static JolokiaClient client;
    private final List<RawHttp> connections = new ArrayList<>();
    private final ExecutorService attackers = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "test-attacker");
        thread.setDaemon(true);
        return thread;
    });

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

    @AfterEach
    void endTheAttack() throws Exception {
        for (RawHttp connection : connections) {
            connection.close();
        }
        attackers.shutdownNow();
        assertTrue(attackers.awaitTermination(10, TimeUnit.SECONDS), "attacker threads still running");
    }

    @Test
    void halfOpenRequestsBeyondTheReadersHoldNoThreadForLong() throws Exception {
        int count = ExposurePools.READERS * 2 + 8;
        for (int i = 0; i < count; i++) {
            RawHttp connection = open(JolokiaHandler.READ_TIMEOUT.plusSeconds(15));
            // without the password: the headers never end, so the server cannot even refuse it
            connection.write("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n");
        }
        shortCall("half-open x" + count + " (just opened)");
        Thread.sleep(ExposurePools.READ_GRACE.toMillis() + 500);
        shortCall("half-open x" + count + " (held " + (ExposurePools.READ_GRACE.toMillis() + 500) + " ms)");

        long started = System.nanoTime();
        for (RawHttp connection : connections) {
            assertTrue(connection.closedByServer(), "a half-open request is still open after "
                    + millisSince(started) + " ms");
        }
        System.out.printf("[hostile-http] half-open x%d: all closed by the server %d ms after the check began%n",
                count, millisSince(started));
        shortCall("half-open (after)");
    }

    @Test
    void slowBodiesAreCutAtTheReadTimeout() throws Exception {
        int count = ExposurePools.READERS + 8;
        for (int i = 0; i < count; i++) {
            RawHttp connection = open(JolokiaHandler.READ_TIMEOUT.plusSeconds(15));
            connection.write(connection.postHead("Content-Length: 100\r\n\r\n{"));
        }
        // a byte a second on every connection, for no longer than the read timeout and 3 s more
        long seconds = JolokiaHandler.READ_TIMEOUT.toSeconds() + 3;
        Future<?> trickle = attackers.submit(() -> {
            for (int second = 0; second < seconds && !Thread.currentThread().isInterrupted(); second++) {
                for (RawHttp connection : connections) {
                    try {
                        connection.write(" ");
                    } catch (IOException e) {
                        // cut by the server: what is expected
                    }
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Thread.sleep(ExposurePools.READ_GRACE.toMillis() + 500);
        shortCall("slow bodies x" + count + " (a byte a second)");

        long started = System.nanoTime();
        for (RawHttp connection : connections) {
            assertTrue(connection.closedByServer(), "a slow body is still being read after " + millisSince(started)
                    + " ms");
        }
        trickle.cancel(true);
        shortCall("slow bodies (after)");
    }

    @Test
    void aHundredMegabyteBodyIsRefusedWithoutBeingRead() throws Exception {
        refusedAsTooLarge("Content-Length: " + HUNDRED_MB + "\r\n\r\n", false);
    }

    @Test
    void aHundredMegabyteChunkedBodyIsRefusedOnceOverTheLimit() throws Exception {
        refusedAsTooLarge("Transfer-Encoding: chunked\r\n\r\n", true);
    }

    @Test
    void deeplyNestedJsonIsRefusedBeforeAnyParserRuns() throws Exception {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        for (String body : List.of(deep, """
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":[%s]}""".formatted(deep))) {
            try (RawHttp connection = open(GENEROUS)) {
                connection.post(body);
                RawHttp.Response answer = connection.read();
                assertEquals(400, answer.status(), answer::body);
                assertTrue(answer.body().contains("\"InvalidArgument: the request nests JSON arrays and objects deeper "
                        + "than " + JolokiaHandler.MAX_NESTING), answer::body);
            }
            shortCall("nested JSON (10,000 levels)");
        }
        // nesting within the limit goes on to Jolokia
        String shallow = "[".repeat(10) + "\"x\"" + "]".repeat(10);
        Map<String, Object> echoed = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":[%s]}""".formatted(shallow));
        assertFalse(String.valueOf(echoed.get("error")).contains("nests"), echoed::toString);
    }

    @Test
    void longWaitsHaveAPoolOfTheirOwnAndCannotStarveShortCalls() throws Exception {
        int count = ExposurePools.WAITS + 8;
        String wait = """
                {"type":"exec","mbean":"hatchway:type=Test","operation":"waitExec","arguments":["e1",30000]}""";
        List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            waits.add(CompletableFuture.supplyAsync(() -> client.send("POST", "", wait, Map.of()), attackers));
        }
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (waiting() < ExposurePools.WAITS && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(ExposurePools.WAITS, waiting(), "waits blocked in the MBean");
        shortCall("long waits x" + count);

        // the call that ends the waits gets through, as killExec must
        long released = System.nanoTime();
        Map<String, Object> release = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"release"}""");
        assertEquals(ExposurePools.WAITS, ((Number) release.get("value")).intValue(), release::toString);
        int ended = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> future : waits) {
            HttpResponse<String> response = future.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            if (response.statusCode() == 429) {
                refused++;
                assertTrue(response.body().contains("\"ResourceExhausted: " + ExposurePools.WAITS + " long waits"),
                        response::body);
            } else {
                assertEquals(200, response.statusCode(), response::body);
                assertTrue(response.body().contains("\"value\":\"released\""), response::body);
                ended++;
            }
        }
        assertEquals(ExposurePools.WAITS, ended);
        assertEquals(count - ExposurePools.WAITS, refused);
        System.out.printf("[hostile-http] long waits x%d: %d released %d ms after release was sent, %d refused (429)%n",
                count, ended, millisSince(released), refused);
        assertEquals(0, waiting());
    }

    @Test
    void answersNeverEchoTheRequest() {
        String big = "x".repeat(JolokiaHandler.MAX_BODY_BYTES / 2);
        Map<String, Object> answer = client.post("?includeRequest=true", """
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["%s"],
                 "config":{"includeRequest":"true"}}""".formatted(big));
        assertEquals(big, answer.get("value"));
        assertFalse(answer.containsKey("request"), "the request is echoed");

        Map<String, Object> failed = client.post("?includeRequest=true", """
                {"type":"read","mbean":"hatchway:type=Task,name=missing","attribute":"Id"}""");
        assertFalse(failed.containsKey("request"), failed::toString);
    }

    @Test
    void everyErrorStartsWithItsKindAndNamesNoJavaClass() {
        assertError(client.post("""
                {"type":"read","mbean":"hatchway:type=Task,name=missing","attribute":"Id"}"""), 404, "NotFound: ");
        assertError(client.post("""
                {"type":"read","mbean":"hatchway:type=Test","attribute":"Missing"}"""), 404, "NotFound: ");
        assertError(client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"nosuch"}"""), 404, "NotFound: ");
        assertError(client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":[]}"""),
                400, "InvalidArgument: ");
        assertError(client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"fail","arguments":["no kind here"]}"""),
                500, "Unavailable: no kind here");
        assertError(client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"fail",
                 "arguments":["FailedPrecondition: a kind of its own"]}"""), 500, "FailedPrecondition: a kind of its own");
        assertError(client.post("""
                {"type":"nosuch","mbean":"hatchway:type=Test"}"""), 400, "InvalidArgument: ");

        HttpResponse<String> notJson = client.send("POST", "", "{\"type\":", Map.of());
        assertEquals(400, notJson.statusCode(), notJson::body);
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) JolokiaClient.parse(notJson.body());
        assertError(answer, 400, "InvalidArgument: the request is not valid JSON");
    }

    @Test
    void anArgumentMoreThanTheOperationTakesIsRefused() {
        Map<String, Object> extra = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["a","b"]}""");
        assertError(extra, 400, "InvalidArgument: operation 'echo' of hatchway:type=Test takes 1 argument, not 2");
        Map<String, Object> withSignature = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo(java.lang.String)","arguments":["a","b"]}""");
        assertEquals(400, status(withSignature), withSignature::toString);
        assertEquals("InvalidArgument: operation 'echo(java.lang.String)' of hatchway:type=Test takes 1 argument, not 2",
                withSignature.get("error"));
        assertEquals("a", client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["a"]}""").get("value"));
    }

    // ----

    private void refusedAsTooLarge(String headers, boolean chunked) throws Exception {
        RawHttp connection = open(GENEROUS);
        connection.write(connection.postHead(headers));
        AtomicLong sent = new AtomicLong();
        // streamed from one 64 KiB buffer: never 100 MB in memory here either
        Future<?> stream = attackers.submit(() -> {
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            byte[] chunkHead = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long end = System.nanoTime() + GENEROUS.toNanos();
            try {
                while (sent.get() < HUNDRED_MB && System.nanoTime() < end) {
                    if (chunked) {
                        connection.write(chunkHead);
                    }
                    connection.write(chunk);
                    if (chunked) {
                        connection.write("\r\n");
                    }
                    sent.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the server closed the connection: expected once it has refused
            }
        });
        long started = System.nanoTime();
        RawHttp.Response answer = connection.read();
        long refusedAfter = millisSince(started);
        assertEquals(413, answer.status(), answer::body);
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) JolokiaClient.parse(answer.body());
        assertError(error, 413, "ResourceExhausted: the request body is larger than " + JolokiaHandler.MAX_BODY_BYTES
                + " bytes");
        shortCall("100 MB body" + (chunked ? " (chunked)" : ""));
        stream.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
        System.out.printf("[hostile-http] 100 MB body%s: 413 after %d ms; the client got %d KiB out before the "
                + "server closed%n", chunked ? " (chunked)" : "", refusedAfter, sent.get() / 1024);
        assertTrue(sent.get() < HUNDRED_MB, "the server read the whole 100 MB");
    }

    private RawHttp open(Duration timeout) throws IOException {
        RawHttp connection = RawHttp.connect(client, timeout);
        connections.add(connection);
        return connection;
    }

    /** The authenticated short call: it must answer; its latency is printed, not asserted. */
    private static void shortCall(String attack) {
        long started = System.nanoTime();
        Map<String, Object> answer = client.post(READ_NAME);
        long millis = millisSince(started);
        assertEquals(200, status(answer), answer::toString);
        assertTrue(millis < GENEROUS.toMillis(), attack + ": the short call took " + millis + " ms");
        System.out.printf("[hostile-http] %s: short call %d ms%n", attack, millis);
    }

    private static int waiting() {
        return ((Number) client.post("""
                {"type":"read","mbean":"hatchway:type=Test","attribute":"Waiting"}""").get("value")).intValue();
    }

    private static void assertError(Map<String, Object> answer, int status, String messageStart) {
        assertEquals(status, status(answer), answer::toString);
        String error = String.valueOf(answer.get("error"));
        assertTrue(error.startsWith(messageStart), answer::toString);
        assertFalse(error.matches("(?s).*\\b(java|javax|org)\\.[a-z]+\\..*"), "a Java class name: " + answer);
        assertErrorWithoutDetails(answer);
        assertTrue(String.valueOf(answer.get("error_type")).startsWith("java"), answer::toString);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
