package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code allowOrigin}: the origins written as users write them, and a server trusting one console's
 * origin (as Hawtio's proxy forwards it) and no other, over real HTTP.
 */
class TrustedOriginsTest {
    private static final String CONSOLE = "http://localhost:8080";
    private static final String WRITE = """
            {"type":"write","mbean":"hatchway:type=Test","attribute":"Name","value":"from a page"}""";
    private static final String READ = """
            {"type":"read","mbean":"hatchway:type=Test","attribute":"Name"}""";

    @TempDir
    static Path stateDir;
    static JolokiaExposure exposure;
    static JolokiaClient client;

    @BeforeAll
    static void start() throws Exception {
        TestBean.register();
        exposure = JolokiaExposure.start(new ExposureConfig("127.0.0.1", 0, "basic", "http", stateDir,
                Optional.empty(), Optional.empty(), List.of(CONSOLE + "/", "http://Console.Example:80")));
        client = Clients.of(exposure);
    }

    @AfterAll
    static void stop() {
        exposure.close();
    }

    @Test
    void originsAreKeptAsBrowsersSendThem() {
        ExposureConfig config = new ExposureConfig("127.0.0.1", 0, "basic", "http", stateDir, Optional.empty(),
                Optional.empty(), List.of("HTTP://LocalHost:8080/", "https://console.example:443", "http://a:80"));
        assertEquals(List.of("http://a", "http://localhost:8080", "https://console.example"), config.allowOrigin());
        assertTrue(config.toString().contains("allowOrigin=http://a,http://localhost:8080,https://console.example"),
                config::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:8080", "ftp://host", "http://host/hawtio", "http://host?x", "null", "",
            "http://user@host", "*"})
    void whatIsNotAnOriginIsRefusedSayingWhatOneIs(String value) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new ExposureConfig(
                "127.0.0.1", 0, "basic", "http", stateDir, Optional.empty(), Optional.empty(), List.of(value)));
        assertTrue(refused.getMessage().startsWith("allowOrigin '" + value + "' is not an origin: scheme://host[:port]"),
                refused.getMessage());
    }

    @Test
    void theTrustedOriginIsServedWithCorsHeaders() {
        HttpResponse<String> written = client.send("POST", "", WRITE, Map.of("Origin", CONSOLE));
        Map<String, Object> answer = parse(written);
        assertEquals(200, JolokiaExposureTest.status(answer), answer::toString);
        assertEquals(CONSOLE, written.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertEquals("from a page", client.post(READ).get("value"));
        client.post("""
                {"type":"write","mbean":"hatchway:type=Test","attribute":"Name","value":"reset"}""");

        // Hawtio's proxy forwards the page's Referer too; the default port is the same written or not
        Map<String, Object> fromReferer = parse(client.send("POST", "", READ,
                Map.of("Referer", CONSOLE + "/hawtio/jmx/attributes?nid=root-hatchway")));
        assertEquals(200, JolokiaExposureTest.status(fromReferer), fromReferer::toString);
        Map<String, Object> defaultPort = parse(client.send("POST", "", READ, Map.of("Origin", "http://console.example")));
        assertEquals(200, JolokiaExposureTest.status(defaultPort), defaultPort::toString);
    }

    @Test
    void anotherOriginIsRefusedNamingTheHeaderAndChangesNothing() {
        HttpResponse<String> fromOrigin = client.send("POST", "", WRITE, Map.of("Origin", "http://evil.example",
                "Referer", CONSOLE + "/hawtio/"));
        Map<String, Object> answer = parse(fromOrigin);
        assertEquals(403, JolokiaExposureTest.status(answer), answer::toString);
        assertEquals("PermissionDenied: the request's Origin header (from http://evil.example) is not a trusted origin: "
                + "the agent option allowOrigin trusts only http://console.example, http://localhost:8080",
                answer.get("error"));
        assertFalse(fromOrigin.headers().firstValue("Access-Control-Allow-Origin").isPresent());

        Map<String, Object> fromReferer = parse(client.send("POST", "", WRITE,
                Map.of("Referer", "http://localhost:8081/hawtio/")));
        assertEquals("PermissionDenied: the request's Referer header (from http://localhost:8081) is not a trusted "
                + "origin: the agent option allowOrigin trusts only http://console.example, http://localhost:8080",
                fromReferer.get("error"));

        Map<String, Object> opaque = parse(client.send("POST", "", WRITE, Map.of("Origin", "null")));
        assertTrue(((String) opaque.get("error")).startsWith("PermissionDenied: the request's Origin header ('null')"),
                opaque::toString);
        assertNotEquals("from a page", client.post(READ).get("value"), "a refused write wrote");
    }

    /**
     * A browser answers a Basic challenge with its own login dialog over the page (a headless one
     * waits on it); a console asks for the password itself, so a page's request gets a bare 401.
     */
    @Test
    void aBrowserPageGetsNoBasicChallenge() {
        HttpResponse<String> script = client.anonymous().send("POST", "", READ, Map.of());
        assertEquals(401, script.statusCode());
        assertTrue(script.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), script.headers()::toString);
        for (Map<String, String> page : List.of(Map.of("Origin", CONSOLE), Map.of("Referer", CONSOLE + "/hawtio/"))) {
            HttpResponse<String> fromPage = client.anonymous().send("POST", "", READ, page);
            assertEquals(401, fromPage.statusCode(), page::toString);
            assertFalse(fromPage.headers().firstValue("WWW-Authenticate").isPresent(), fromPage.headers()::toString);
            HttpResponse<String> wrong = client.as(JolokiaExposure.USER, "wrong").send("POST", "", READ, page);
            assertEquals(401, wrong.statusCode(), page::toString);
            assertFalse(wrong.headers().firstValue("WWW-Authenticate").isPresent(), wrong.headers()::toString);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response::body);
        return (Map<String, Object>) JolokiaClient.parse(response.body());
    }
}
