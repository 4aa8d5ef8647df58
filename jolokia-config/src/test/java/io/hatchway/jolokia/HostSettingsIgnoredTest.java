package io.hatchway.jolokia;

import static io.hatchway.jolokia.JolokiaExposureTest.assertErrorWithoutDetails;
import static io.hatchway.jolokia.JolokiaExposureTest.assertRefused;
import static io.hatchway.jolokia.JolokiaExposureTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jolokia.server.core.config.ConfigKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's settings never become Jolokia's: neither {@code jolokia.*} system properties nor
 * {@code JOLOKIA_*} environment variables, nor the Jolokia service lists its class loader may hold.
 */
class HostSettingsIgnoredTest {
    private static final String FAILING_EXEC = """
            {"type":"exec","mbean":"hatchway:type=Test","operation":"fail","arguments":["NotFound: nothing"]}""";

    @TempDir
    Path stateDir;

    @Test
    void jolokiaSystemPropertiesHaveNoEffect() throws Exception {
        Map<String, String> hostProperties = Map.ofEntries(
                Map.entry("jolokia.port", "1"),
                Map.entry("jolokia.host", "0.0.0.0"),
                Map.entry("jolokia.agentContext", "/elsewhere"),
                Map.entry("jolokia.user", "intruder"),
                Map.entry("jolokia.password", "secret"),
                Map.entry("jolokia.allowErrorDetails", "true"),
                Map.entry("jolokia.includeStackTrace", "true"),
                Map.entry("jolokia.serializeException", "true"),
                Map.entry("jolokia.restrictorClass", "org.jolokia.server.core.restrictor.AllowAllRestrictor"),
                Map.entry("jolokia.policyLocation", "file:///nonexistent/jolokia-access.xml"),
                Map.entry("jolokia.discoveryEnabled", "true"),
                Map.entry("jolokia.debug", "true"));
        hostProperties.forEach(System::setProperty);
        try (JolokiaExposure exposure = JolokiaExposure.start(ExposureLifecycleTest.config(stateDir, "127.0.0.1", "basic"))) {
            TestBean.register();
            assertTrue(exposure.url().matches("http://127\\.0\\.0\\.1:\\d+/jolokia/"), exposure.url());
            assertTrue(!exposure.url().contains(":1/"), exposure.url());
            JolokiaClient client = Clients.of(exposure);
            assertEquals(401, client.as("intruder", "secret").send("POST", "", FAILING_EXEC, Map.of()).statusCode());
            assertErrorWithoutDetails(client.post(FAILING_EXEC));
            assertRefused(client.post("""
                    {"type":"read","mbean":"com.sun.management:type=HotSpotDiagnostic"}"""));
        } finally {
            hostProperties.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    void jolokiaEnvironmentVariablesHaveNoEffect() throws Exception {
        // a child JVM: the environment of this one cannot be changed
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EnvironmentProbe.class.getName(), stateDir.toString());
        child.environment().put(ConfigKey.ALLOW_ERROR_DETAILS.asEnvVariable(), "true");
        child.environment().put(ConfigKey.INCLUDE_STACKTRACE.asEnvVariable(), "true");
        child.environment().put(ConfigKey.SERIALIZE_EXCEPTION.asEnvVariable(), "true");
        child.environment().put(ConfigKey.AGENT_CONTEXT.asEnvVariable(), "/elsewhere");
        child.environment().put(ConfigKey.DEBUG.asEnvVariable(), "true");
        child.redirectErrorStream(true);
        Process process = child.start();
        List<String> output = new ArrayList<>(process.inputReader().lines().toList());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        assertEquals(0, process.exitValue(), output::toString);

        String answer = output.stream().filter(line -> line.startsWith("answer: ")).findFirst()
                .orElseThrow(() -> new AssertionError(output)).substring("answer: ".length());
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) JolokiaClient.parse(answer);
        assertErrorWithoutDetails(error);
        assertTrue(output.stream().anyMatch(line -> line.matches("url: http://127\\.0\\.0\\.1:\\d+/jolokia/")),
                output::toString);
    }

    @Test
    void jolokiaServiceListsOfTheCallersClassLoaderAreNotSearched(@TempDir Path hostClasses) throws Exception {
        Path lists = Files.createDirectories(hostClasses.resolve("META-INF/jolokia"));
        for (String list : List.of("command-handlers", "simplifiers-default", "simplifiers", "services-default",
                "services", "detectors-default", "detectors")) {
            Files.writeString(lists.resolve(list), "com.example.host.NotHere\n");
        }
        Thread current = Thread.currentThread();
        ClassLoader callers = current.getContextClassLoader();
        try (URLClassLoader hostLoader = new URLClassLoader(new URL[] {hostClasses.toUri().toURL()}, null)) {
            current.setContextClassLoader(hostLoader);
            try (JolokiaExposure exposure = JolokiaExposure.start(ExposureLifecycleTest.config(stateDir, "127.0.0.1", "basic"))) {
                assertEquals(200, status(Clients.of(exposure).post("""
                        {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"}""")));
            }
        } finally {
            current.setContextClassLoader(callers);
        }
    }

    /** Runs in a child JVM: starts an exposure and prints its URL and one error answer. */
    public static final class EnvironmentProbe {
        public static void main(String[] args) throws IOException, javax.management.JMException {
            TestBean.register();
            ExposureConfig config = Clients.onFreePort(Path.of(args[0]));
            try (JolokiaExposure exposure = JolokiaExposure.start(config)) {
                System.out.println("url: " + exposure.url());
                System.out.println("answer: " + JolokiaClient.JSON.writeValueAsString(
                        Clients.of(exposure).post("?includeStackTrace=true", FAILING_EXEC)));
            }
        }
    }
}
