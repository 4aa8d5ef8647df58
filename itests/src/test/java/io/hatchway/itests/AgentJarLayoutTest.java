package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The built agent jar keeps the host's class path clean: only the bootstrap package, the private
 * area its class loader reads, and {@code META-INF}. Whatever else a build put at the root (a
 * dependency, a service file, a multi-release class) the host would see, and clash with.
 */
class AgentJarLayoutTest {
    private static final String BOOTSTRAP = "io/hatchway/agent/bootstrap/";
    private static final String PRIVATE = "private/";
    private static final String ENTRY_CLASS = "io.hatchway.agent.bootstrap.AgentBootstrap";

    @Test
    void theJarHoldsNothingOutsideTheBootstrapPackageThePrivateAreaAndMetaInf() throws Exception {
        List<String> outside = new ArrayList<>();
        List<String> rootMetaInf = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            jar.stream().map(JarEntry::getName).forEach(name -> {
                if (name.startsWith("META-INF/")) {
                    rootMetaInf.add(name);
                } else if (!name.startsWith(BOOTSTRAP) && !name.startsWith(PRIVATE) && !isParentOfBootstrap(name)) {
                    outside.add(name);
                }
            });
            assertEquals(List.of(), outside, "entries outside " + BOOTSTRAP + ", " + PRIVATE + " and META-INF/");
            for (String name : rootMetaInf) {
                assertFalse(name.startsWith("META-INF/services/") || name.startsWith("META-INF/versions/"),
                        "the host would load " + name + " from the agent jar");
            }
            assertNotNull(jar.getEntry(BOOTSTRAP + "AgentBootstrap.class"));
            for (String dependency : List.of("io/hatchway/mbeans/TaskService.class", "io/hatchway/agent/HatchwayAgent.class",
                    "org/jolokia/server/core/service/api/Restrictor.class", "com/fasterxml/jackson/databind/ObjectMapper.class",
                    "com/sun/jna/Native.class", "org/slf4j/LoggerFactory.class")) {
                assertNotNull(jar.getEntry(PRIVATE + dependency), dependency + " lives in the private area");
            }
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith(PRIVATE + BOOTSTRAP + "Agent")),
                    "the bootstrap is not duplicated in the private area");
        }
    }

    @Test
    void theManifestNamesTheBootstrapForEveryEntryAndAsksForNoInstrumentation() throws Exception {
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            Attributes manifest = jar.getManifest().getMainAttributes();
            for (String entry : List.of("Premain-Class", "Agent-Class", "Main-Class")) {
                assertEquals(ENTRY_CLASS, manifest.getValue(entry), entry);
            }
            for (String capability : List.of("Can-Redefine-Classes", "Can-Retransform-Classes", "Can-Set-Native-Method-Prefix")) {
                assertEquals("false", manifest.getValue(capability), capability);
            }
            assertEquals(null, manifest.getValue("Class-Path"), "nothing else joins the host's class path");
            assertEquals(null, manifest.getValue("Boot-Class-Path"), "nothing joins the boot class path");
        }
    }

    private static boolean isParentOfBootstrap(String name) {
        return name.endsWith("/") && BOOTSTRAP.startsWith(name);
    }
}
