package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One server with the defaults (basic authentication, plain HTTP) on a free loopback port. */
class JolokiaExposureTest {
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

    @Test
    void urlNamesTheLoopbackAddressAndThePickedPort() {
        var url = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/jolokia/").matcher(exposure.url());
        assertTrue(url.matches(), exposure.url());
        assertTrue(Integer.parseInt(url.group(1)) > 0);
    }

    @Test
    void theHatchwayDomainIsReadWritableAndInvocable() {
        Map<String, Object> write = client.post("""
                {"type":"write","mbean":"hatchway:type=Test","attribute":"Name","value":"written"}""");
        assertEquals(200, status(write), write::toString);

        Map<String, Object> read = client.post("""
                {"type":"read","mbean":"hatchway:type=Test","attribute":"Name"}""");
        assertEquals(200, status(read), read::toString);
        assertEquals("written", read.get("value"));

        Map<String, Object> exec = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["hello"]}""");
        assertEquals(200, status(exec), exec::toString);
        assertEquals("hello", exec.get("value"));
    }

    @Test
    void javaLangIsReadOnly() {
        Map<String, Object> read = client.post("""
                {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"}""");
        assertEquals(200, status(read), read::toString);
        assertEquals(System.getProperty("java.vm.name"), read.get("value"));

        assertRefused(client.post("""
                {"type":"write","mbean":"java.lang:type=Memory","attribute":"Verbose","value":true}"""));
        assertRefused(client.post("""
                {"type":"exec","mbean":"java.lang:type=Memory","operation":"gc"}"""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "com.sun.management:type=DiagnosticCommand",
            "com.sun.management:type=HotSpotDiagnostic",
            "jdk.management.jfr:type=FlightRecorder",
            "java.util.logging:type=Logging",
            "javax.management.loading:type=MLet",
            "JMImplementation:type=MBeanServerDelegate",
            "*:type=Test",
            "hatch*:type=Test"})
    void everyOtherMBeanIsRefusedToReadAndFindingOutWhetherItExistsToo(String mbean) {
        assertRefused(client.post("{\"type\":\"read\",\"mbean\":\"" + mbean + "\"}"));
    }

    @ParameterizedTest
    @CsvSource({
            "com.sun.management:type=DiagnosticCommand, jvmtiAgentLoad",
            "com.sun.management:type=DiagnosticCommand, vmSystemProperties",
            "com.sun.management:type=HotSpotDiagnostic, dumpHeap",
            "jdk.management.jfr:type=FlightRecorder, newRecording",
            "java.util.logging:type=Logging, setLoggerLevel",
            "javax.management.loading:type=MLet, getMBeansFromURL"})
    void dangerousOperationsAreRefused(String mbean, String operation) {
        assertRefused(client.post("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"" + operation
                + "\",\"arguments\":[\"/tmp/x\"]}"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void listShowsOnlyHatchwayAndJavaLang() {
        Map<String, Object> list = client.post("""
                {"type":"list"}""");
        assertEquals(200, status(list), list::toString);
        Map<String, Object> domains = (Map<String, Object>) list.get("value");
        assertEquals(Set.of("hatchway", "java.lang"), domains.keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void searchFindsOnlyHatchwayAndJavaLang() {
        Map<String, Object> all = client.post("""
                {"type":"search","mbean":"*:*"}""");
        List<String> names = (List<String>) all.get("value");
        assertTrue(names.contains(TestBean.NAME), names::toString);
        assertTrue(names.contains("java.lang:type=Runtime"), names::toString);
        assertTrue(names.stream().allMatch(name -> name.startsWith("hatchway:") || name.startsWith("java.lang:")),
                names::toString);

        Map<String, Object> hidden = client.post("""
                {"type":"search","mbean":"com.sun.management:*"}""");
        assertEquals(List.of(), hidden.get("value"), hidden::toString);
    }

    @Test
    @SuppressWarnings("unchecked")
    void versionNamesJolokia260() {
        // Jolokia reads its version from a /version.properties resource: a packaging check too
        Map<String, Object> version = (Map<String, Object>) client.post("""
                {"type":"version"}""").get("value");
        assertEquals("2.6.0", version.get("agent"), version::toString);
    }

    @Test
    void onlyPostIsAnswered() {
        HttpResponse<String> get = client.send("GET", "read/java.lang:type=Runtime/VmName", null, Map.of());
        assertEquals(405, get.statusCode(), get::body);
        assertEquals(Optional.of("POST"), get.headers().firstValue("Allow"));

        HttpResponse<String> version = client.send("GET", "version", null, Map.of());
        assertEquals(405, version.statusCode(), version::body);
    }

    @Test
    void withoutTheRightCredentialsEverythingIs401() {
        String read = """
                {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"}""";
        assertEquals(401, client.anonymous().send("POST", "", read, Map.of()).statusCode());
        assertEquals(401, client.as(JolokiaExposure.USER, "wrong").send("POST", "", read, Map.of()).statusCode());
        assertEquals(401, client.as("admin", password()).send("POST", "", read, Map.of()).statusCode());
        // Jolokia's own JVM agent serves any POST to <context>/config without credentials; not here
        assertEquals(401, client.anonymous().send("POST", "config", read, Map.of()).statusCode());
        assertEquals(401, client.anonymous().send("GET", "version", null, Map.of()).statusCode());
    }

    @Test
    void proxyRequestsAreRefused() {
        Map<String, Object> proxied = client.post("""
                {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName",
                 "target":{"url":"service:jmx:rmi:///jndi/rmi://127.0.0.1:9999/jmxrmi"}}""");
        assertRefused(proxied);
        assertTrue(((String) proxied.get("error")).contains("proxy"), proxied::toString);
    }

    @Test
    void requestsFromBrowserPagesAreRefused() {
        HttpResponse<String> response = client.send("POST", "", """
                {"type":"write","mbean":"hatchway:type=Test","attribute":"Name","value":"from a page"}""",
                Map.of("Origin", "http://evil.example"));
        assertEquals(200, response.statusCode(), response::body);
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) JolokiaClient.parse(response.body());
        assertEquals(403, status(answer), answer::toString);
        assertFalse(response.headers().firstValue("Access-Control-Allow-Origin").isPresent());
        assertNotEquals("from a page", client.post("""
                {"type":"read","mbean":"hatchway:type=Test","attribute":"Name"}""").get("value"));
    }

    @Test
    void errorsCarryTheMessageAndTypeButNeverAStackTrace() {
        String askingForDetails = "?includeStackTrace=true&serializeException=true&allowErrorDetails=true";

        Map<String, Object> missing = client.post(askingForDetails, """
                {"type":"read","mbean":"hatchway:type=Task,name=missing","attribute":"Id"}""");
        assertEquals(404, status(missing), missing::toString);
        assertErrorWithoutDetails(missing);

        Map<String, Object> failed = client.post(askingForDetails, """
                {"type":"exec","mbean":"hatchway:type=Test","operation":"fail",
                 "arguments":["NotFound: exec 'x' in task: 't' not found"]}""");
        assertErrorWithoutDetails(failed);
        assertTrue(((String) failed.get("error")).contains("NotFound: exec 'x' in task: 't' not found"),
                failed::toString);

        Map<String, Object> refused = client.post(askingForDetails, """
                {"type":"exec","mbean":"com.sun.management:type=DiagnosticCommand","operation":"help",
                 "arguments":[[]]}""");
        assertRefused(refused);
    }

    @Test
    @SuppressWarnings("unchecked")
    void notificationsCanBeListenedToOnHatchwayMBeansOnly() {
        Map<String, Object> registered = (Map<String, Object>) client.post("""
                {"type":"notification","command":"register"}""").get("value");
        String clientId = (String) registered.get("id");
        String store = (String) ((Map<String, Object>) ((Map<String, Object>) registered.get("backend"))
                .get("pull")).get("store");
        assertNotNull(clientId, registered::toString);

        assertRefused(client.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + clientId
                + "\",\"mode\":\"pull\",\"mbean\":\"java.lang:type=Memory\"}"));
        assertRefused(client.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + clientId
                + "\",\"mode\":\"pull\",\"mbean\":\"JMImplementation:type=MBeanServerDelegate\"}"));

        Map<String, Object> added = client.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\""
                + clientId + "\",\"mode\":\"pull\",\"mbean\":\"" + TestBean.NAME + "\"}");
        assertEquals(200, status(added), added::toString);
        String handle = String.valueOf(added.get("value"));

        client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"announce","arguments":["hello"]}""");
        Map<String, Object> pulled = client.post("{\"type\":\"exec\",\"mbean\":\"" + store
                + "\",\"operation\":\"pull\",\"arguments\":[\"" + clientId + "\",\"" + handle + "\"]}");
        assertEquals(200, status(pulled), pulled::toString);
        List<Map<String, Object>> notifications =
                (List<Map<String, Object>>) ((Map<String, Object>) pulled.get("value")).get("notifications");
        assertEquals(List.of("hello"), notifications.stream().map(n -> n.get("message")).toList());

        // the store answers pull only
        assertRefused(client.post("{\"type\":\"read\",\"mbean\":\"" + store + "\"}"));
        client.post("{\"type\":\"notification\",\"command\":\"unregister\",\"client\":\"" + clientId + "\"}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void unregisteringAClientRemovesEveryOneOfItsListeners() {
        int before = announce("before");
        String clientId = (String) ((Map<String, Object>) client.post("""
                {"type":"notification","command":"register"}""").get("value")).get("id");
        for (int i = 0; i < 3; i++) {
            Map<String, Object> added = client.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\""
                    + clientId + "\",\"mode\":\"pull\",\"mbean\":\"" + TestBean.NAME + "\"}");
            assertEquals(200, status(added), added::toString);
        }
        assertEquals(before + 3, announce("listened"));

        Map<String, Object> unregistered = client.post("{\"type\":\"notification\",\"command\":\"unregister\","
                + "\"client\":\"" + clientId + "\"}");
        assertEquals(200, status(unregistered), unregistered::toString);
        assertEquals(before, announce("after"), "listeners left on the MBean after unregister");
        Map<String, Object> listed = client.post("{\"type\":\"notification\",\"command\":\"list\","
                + "\"client\":\"" + clientId + "\"}");
        assertNotEquals(200, status(listed), "the client is gone: " + listed);
        Map<String, Object> unknown = client.post("""
                {"type":"notification","command":"unregister","client":"no-such-client"}""");
        assertNotEquals(200, status(unknown), unknown::toString);
    }

    private static int announce(String message) {
        Map<String, Object> announced = client.post("{\"type\":\"exec\",\"mbean\":\"" + TestBean.NAME
                + "\",\"operation\":\"announce\",\"arguments\":[\"" + message + "\"]}");
        assertEquals(200, status(announced), announced::toString);
        return ((Number) announced.get("value")).intValue();
    }

    @Test
    void requestsRunOnNamedDaemonThreads() {
        Map<String, Object> exec = client.post("""
                {"type":"exec","mbean":"hatchway:type=Test","operation":"currentThread"}""");
        assertTrue(((String) exec.get("value")).matches("hatchway-jolokia-http-\\d+ daemon"), exec::toString);
    }

    @Test
    void bulkRequestsAreJudgedOneByOne() {
        List<Map<String, Object>> answers = client.postBulk("""
                [{"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"},
                 {"type":"read","mbean":"com.sun.management:type=HotSpotDiagnostic","attribute":"DiagnosticOptions"},
                 {"type":"exec","mbean":"hatchway:type=Test","operation":"echo","arguments":["bulk"]}]""");
        assertEquals(200, status(answers.get(0)), answers::toString);
        assertRefused(answers.get(1));
        assertEquals("bulk", answers.get(2).get("value"), answers::toString);
    }

    @Test
    void thePasswordFileIsTheUsersAloneAndHoldsAStrongUrlSafePassword() throws Exception {
        Path file = exposure.passwordFile().orElseThrow();
        assertEquals(stateDir.resolve("jolokia.password"), file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        // 256 bits in URL-safe Base64: 43 characters
        assertTrue(password().matches("[A-Za-z0-9_-]{43}"), "not a URL-safe 256-bit password");
    }

    // ----

    static String password() {
        try {
            return Files.readString(exposure.passwordFile().orElseThrow()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int status(Map<String, Object> answer) {
        return ((Number) answer.get("status")).intValue();
    }

    /** Refused by the policy: Jolokia status 403, a PermissionDenied message, no details. */
    static void assertRefused(Map<String, Object> answer) {
        assertEquals(403, status(answer), answer::toString);
        assertTrue(String.valueOf(answer.get("error")).contains("PermissionDenied:"), answer::toString);
        assertErrorWithoutDetails(answer);
    }

    static void assertErrorWithoutDetails(Map<String, Object> answer) {
        assertNotNull(answer.get("error"), answer::toString);
        assertNotNull(answer.get("error_type"), answer::toString);
        assertFalse(answer.containsKey("stacktrace"), answer::toString);
        assertFalse(answer.containsKey("error_value"), answer::toString);
        assertFalse(answer.containsKey("value"), answer::toString);
    }
}
