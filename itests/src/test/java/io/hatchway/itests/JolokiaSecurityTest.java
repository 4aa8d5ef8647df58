package io.hatchway.itests;

import static io.hatchway.testsupport.JolokiaClient.JSON;
import static io.hatchway.testsupport.JolokiaClient.execRequest;
import static io.hatchway.testsupport.JolokiaClient.readRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exposure defaults of SPEC.md as a client on this machine meets them over real HTTP: basic
 * authentication, the access policy (hatchway fully, java.lang read-only, the rest refused and
 * hidden), no proxy, no stack traces, loopback only, an owner-only password file, and no
 * unauthenticated server on a public address.
 */
class JolokiaSecurityTest {
    private static final String TASK_SERVICE = "hatchway:type=TaskService";

    @TempDir
    Path dir;
    private ChildJvm host;

    private Path stateDir() {
        return dir.resolve("state");
    }

    /** A host with the agent's defaults but a free port, and a client with the password file's credentials. */
    private JolokiaClient startHost() throws Exception {
        return JolokiaClient.withPasswordFile(startHost(""), stateDir());
    }

    /** A host with the agent's defaults, a free port and {@code extraOptions}: the announced Jolokia URL. */
    private String startHost(String extraOptions) throws Exception {
        host = ChildJvm.startHost(ChildJvm.defaultJava(),
                "backend=process,port=0,stateDir=" + stateDir() + extraOptions);
        return host.jolokiaUrl();
    }

    @AfterEach
    void hostExitsNormally() throws Exception {
        if (host == null) {
            return;
        }
        try {
            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
            assertTrue(host.stdout().contains(HostMain.DONE), "the host's main ran to its end");
            host.assertNoStackTrace();
        } finally {
            host.close();
        }
    }

    @Test
    void noCredentialsOrWrongOnesAre401() throws Exception {
        JolokiaClient jolokia = startHost();
        String version = "{\"type\":\"version\"}";

        HttpResponse<String> anonymous = JolokiaClient.anonymous(jolokia.url()).send(version);
        assertEquals(401, anonymous.statusCode(), "no credentials");
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"),
                "the 401 asks for basic authentication: " + anonymous.headers().map());
        assertFalse(anonymous.body().contains("hatchway:"), "a 401 tells nothing: " + anonymous.body());
        assertEquals(401, JolokiaClient.withPassword(jolokia.url(), "wrong").send(version).statusCode(), "wrong password");
        String password = Files.readString(stateDir().resolve(JolokiaClient.PASSWORD_FILE)).trim();
        assertEquals(401, JolokiaClient.withPassword(jolokia.url(), password + "x").send(version).statusCode(),
                "a password with the right prefix");
        assertEquals(401, JolokiaClient.anonymous(jolokia.url()).send(
                JSON.writeValueAsString(readRequest(TASK_SERVICE, "TaskIds"))).statusCode(),
                "no MBean read without credentials");

        assertEquals(200, jolokia.send(version).statusCode(), "the password from the file is accepted");
        assertEquals(405, get(jolokia.url(), password).statusCode(), "POST only: a GET is refused even with credentials");
    }

    @Test
    void dangerousMBeansAreRefusedAndHidden() throws Exception {
        JolokiaClient jolokia = startHost();
        List<ObjectNode> refused = List.of(
                execRequest("com.sun.management:type=DiagnosticCommand", "vmVersion"),
                execRequest("com.sun.management:type=DiagnosticCommand", "jvmtiAgentLoad", List.of("/tmp/evil.so")),
                readRequest("com.sun.management:type=HotSpotDiagnostic", "DiagnosticOptions"),
                execRequest("com.sun.management:type=HotSpotDiagnostic", "dumpHeap", dir.resolve("heap.hprof").toString(), true),
                readRequest("jdk.management.jfr:type=FlightRecorder", "Recordings"),
                execRequest("jdk.management.jfr:type=FlightRecorder", "newRecording"),
                execRequest("DefaultDomain:type=MLet", "getMBeansFromURL", "http://127.0.0.1:1/evil.mlet"),
                execRequest("javax.management.loading:type=MLet", "addURL", "file:/tmp/evil.jar"),
                readRequest("java.util.logging:type=Logging", "LoggerNames"),
                execRequest("java.util.logging:type=Logging", "setLoggerLevel", "", "OFF"),
                readRequest("java.nio:type=BufferPool,name=direct", "Count"),
                readRequest("JMImplementation:type=MBeanServerDelegate", "MBeanServerId"),
                readRequest("*:type=Runtime", "VmName"),
                // java.lang is read-only: no operation, no write
                execRequest("java.lang:type=Memory", "gc"),
                JSON.createObjectNode().put("type", "write").put("mbean", "java.lang:type=Memory")
                        .put("attribute", "Verbose").put("value", true));
        for (ObjectNode request : refused) {
            JsonNode answer = jolokia.post(request);
            assertEquals(403, answer.path("status").asInt(), "refused: " + answer);
            JolokiaClient.error("PermissionDenied", answer, request);
        }
        assertFalse(jolokia.read("java.lang:type=Memory", "Verbose").asBoolean(), "the write was not made");
        assertFalse(Files.exists(dir.resolve("heap.hprof")), "no heap dump was written");

        assertTrue(jolokia.read("java.lang:type=Memory", "HeapMemoryUsage").get("used").asLong() > 0,
                "java.lang is readable");
        assertEquals(Set.of("hatchway", "java.lang"), fieldNames(jolokia.value(JSON.createObjectNode().put("type", "list"))),
                "list shows the hatchway and java.lang domains only");
        Set<String> domains = new TreeSet<>();
        jolokia.value(JSON.createObjectNode().put("type", "search").put("mbean", "*:*"))
                .forEach(name -> domains.add(name.asText().substring(0, name.asText().indexOf(':'))));
        assertEquals(Set.of("hatchway", "java.lang"), domains, "search finds the hatchway and java.lang domains only");
    }

    @Test
    void aProxyTargetIsRefused() throws Exception {
        JolokiaClient jolokia = startHost();
        for (String target : List.of("service:jmx:rmi:///jndi/rmi://127.0.0.1:1/jmxrmi", "service:jmx:local://")) {
            ObjectNode request = readRequest(TASK_SERVICE, "TaskIds");
            request.putObject("target").put("url", target);
            JsonNode answer = jolokia.post(request);
            assertEquals(403, answer.path("status").asInt(), "a proxy request is refused: " + answer);
            JolokiaClient.error("PermissionDenied", answer, request);
        }
        assertEquals(0, jolokia.read(TASK_SERVICE, "TaskIds").size(), "the same request without a target is served");
    }

    @Test
    void anErrorCarriesTheKindPrefixedMessageAndNoStackTrace() throws Exception {
        JolokiaClient jolokia = startHost();
        ObjectNode request = execRequest(TASK_SERVICE, "createTask", "t1", dir.resolve("no-such-bundle").toString(), "");
        request.putObject("config").put("includeStackTrace", "true").put("serializeException", "true");
        String error = jolokia.error("InvalidArgument", request);
        assertTrue(error.contains("no-such-bundle"), "the message names what is wrong: " + error);
        assertFalse(error.contains("\n") || error.contains("io.hatchway."), "one line, no class names: " + error);
        assertEquals(0, jolokia.read(TASK_SERVICE, "TaskIds").size(), "a failed create leaves no task behind");

        jolokia.exec(TASK_SERVICE, "createTask", "t1", TaskClient.bundle(dir.resolve("bundle"), TaskClient.SLEEP).toString(), "");
        assertEquals("NotFound: exec: 'nope' in task: 't1' not found",
                jolokia.at(jolokia.url() + "?includeStackTrace=true&serializeException=true")
                        .error("NotFound", execRequest("hatchway:type=Task,name=t1", "state", "nope")));
        jolokia.exec("hatchway:type=Task,name=t1", "deleteExec", ""); // created, never started: nothing to kill
    }

    @Test
    void theServerListensOnLoopbackOnly() throws Exception {
        JolokiaClient jolokia = startHost();
        URI url = URI.create(jolokia.url());
        assertEquals("127.0.0.1", url.getHost());
        assertEquals(List.of("127.0.0.1:" + url.getPort()), ListeningSockets.of(host.pid()),
                "the host's only listening TCP socket is Jolokia's, on loopback");
    }

    @Test
    void thePasswordFileIsTheOwnersAloneAndReusedOnTheNextStart() throws Exception {
        JolokiaClient jolokia = startHost();
        Path passwordFile = stateDir().resolve(JolokiaClient.PASSWORD_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
        String password = Files.readString(passwordFile);
        assertTrue(password.trim().length() >= 32, "a long random password");
        assertEquals(200, jolokia.send("{\"type\":\"version\"}").statusCode());
        hostExitsNormally();

        JolokiaClient again = startHost();
        assertEquals(password, Files.readString(passwordFile), "the next start in the same stateDir reuses it");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
        assertEquals("process", again.read(TASK_SERVICE, "Backend").asText());
    }

    @Test
    void noAuthenticationOnAWildcardAddressIsRefusedAndTheHostRunsOn() throws Exception {
        host = ChildJvm.startHost(ChildJvm.defaultJava(),
                "backend=process,host=0.0.0.0,auth=none,port=0,stateDir=" + stateDir());
        host.awaitStderr(line -> line.startsWith(ChildJvm.AGENT_PREFIX));
        List<String> lines = host.agentLines();
        assertEquals(1, lines.size(), "one line from the agent: " + lines);
        assertTrue(lines.get(0).contains("not started") && lines.get(0).contains("auth=none")
                && lines.get(0).contains("0.0.0.0") && lines.get(0).contains("loopback"),
                "the line says why: " + lines.get(0));
        assertEquals(List.of(), ListeningSockets.of(host.pid()), "nothing listens");
        assertEquals(Set.of(), new TaskClient(host.connect()).hatchwayMBeans(), "the agent serves nothing, not even JMX");
        assertFalse(Files.exists(stateDir().resolve(JolokiaClient.PASSWORD_FILE)), "no password was made for it");
    }

    @Test
    void noAuthenticationOnLoopbackServesWithoutCredentials() throws Exception {
        String url = startHost(",auth=none");
        assertEquals(List.of("127.0.0.1:" + URI.create(url).getPort()), ListeningSockets.of(host.pid()));
        JolokiaClient anonymous = JolokiaClient.anonymous(url);
        assertEquals("process", anonymous.read(TASK_SERVICE, "Backend").asText());
        anonymous.error("PermissionDenied", execRequest("com.sun.management:type=DiagnosticCommand", "vmVersion"));
        assertFalse(Files.exists(stateDir().resolve(JolokiaClient.PASSWORD_FILE)), "no password file without auth");
    }

    /**
     * What an operator finds in {@code hatchway.log} about refused requests: one line per client and
     * reason (authentication, origin, access policy) however often the client retries, each saying
     * what was refused; the origin refusal names the header it matched; a trusted origin is served
     * and not logged.
     */
    @Test
    void refusedRequestsAreLoggedOncePerClientAndReason() throws Exception {
        String console = "http://localhost:8080";
        String url = startHost(",allowOrigin=" + console + ",http://127.0.0.1:8080");
        JolokiaClient jolokia = JolokiaClient.withPasswordFile(url, stateDir());
        JsonNode version = JSON.readTree("{\"type\":\"version\"}");
        for (int i = 0; i < 3; i++) {
            assertEquals(401, JolokiaClient.anonymous(url).send(version.toString()).statusCode());
            assertEquals(401, JolokiaClient.withPassword(url, "wrong").send(version.toString()).statusCode());
            assertTrue(jolokia.fromOrigin("http://evil.example").error("PermissionDenied", version)
                    .startsWith("PermissionDenied: the request's Origin header (from http://evil.example)"));
            jolokia.error("PermissionDenied", execRequest("com.sun.management:type=DiagnosticCommand", "vmVersion"));
        }
        assertEquals("process", jolokia.fromOrigin(console).read(TASK_SERVICE, "Backend").asText(),
                "the trusted origin is served");

        List<String> refusals = Files.readAllLines(stateDir().resolve("hatchway.log")).stream()
                .filter(line -> line.contains("refused a request from")).toList();
        assertEquals(3, refusals.size(), "one line per reason: " + String.join("\n", refusals));
        assertTrue(refusals.stream().anyMatch(line -> line.contains("refused a request from 127.0.0.1 (authentication): "
                + "no basic credentials (HTTP 401)")), refusals::toString);
        assertTrue(refusals.stream().anyMatch(line -> line.contains("refused a request from 127.0.0.1 (origin): "
                + "PermissionDenied: the request's Origin header (from http://evil.example) is not a trusted origin: "
                + "the agent option allowOrigin trusts only http://127.0.0.1:8080, http://localhost:8080")),
                refusals::toString);
        assertTrue(refusals.stream().anyMatch(line -> line.contains("refused a request from 127.0.0.1 (access policy): "
                + "PermissionDenied: invoking operations of com.sun.management:type=DiagnosticCommand")),
                refusals::toString);
    }

    private static HttpResponse<String> get(String url, String password) throws IOException, InterruptedException {
        String token = java.util.Base64.getEncoder().encodeToString(("hatchway:" + password).getBytes());
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "read/java.lang:type=Runtime/VmName"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Basic " + token).GET().build();
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
