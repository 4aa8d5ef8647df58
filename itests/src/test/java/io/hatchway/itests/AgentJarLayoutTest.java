package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built agent jar keeps the host's class path clean: only the bootstrap package, the private
 * area its class loader reads, and {@code META-INF}. Whatever else a build put at the root (a
 * dependency, a service file, a multi-release class) the host would see, and clash with.
 */
class AgentJarLayoutTest {
    private static final String BOOTSTRAP = "io/hatchway/agent/bootstrap/";
    private static final String PRIVATE = "private/";
    /** Where the build relocates the private area's java.util.logging references to. */
    private static final String STAND_INS = "io/hatchway/agent/logging/";
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
                    "com/sun/jna/Native.class", "org/slf4j/LoggerFactory.class",
                    "io/prometheus/metrics/core/metrics/Histogram.class",
                    "io/prometheus/metrics/expositionformats/PrometheusTextFormatWriter.class")) {
                assertNotNull(jar.getEntry(PRIVATE + dependency), dependency + " lives in the private area");
            }
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith(PRIVATE + BOOTSTRAP + "Agent")),
                    "the bootstrap is not duplicated in the private area");
        }
    }

    /**
     * The backends are found by {@link java.util.ServiceLoader} in the private class loader: their
     * service file is in the private area, one line per backend, never at the jar's root.
     */
    @Test
    void theBackendsServiceFileListsEveryBackendInThePrivateArea() throws Exception {
        String file = "META-INF/services/io.hatchway.hcs.ComputeBackendProvider";
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            JarEntry entry = jar.getJarEntry(PRIVATE + file);
            assertNotNull(entry, PRIVATE + file);
            List<String> lines = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            assertEquals(List.of("io.hatchway.hcs.process.ProcessProvider", "io.hatchway.hcs.runc.RuncProvider$Runc",
                    "io.hatchway.hcs.runc.RuncProvider$Crun", "io.hatchway.hcs.windows.WindowsProvider"), lines);
            for (String provider : lines) {
                assertNotNull(jar.getEntry(PRIVATE + provider.replace('.', '/') + ".class"), provider);
            }
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

    /**
     * The build relocates the private area's references to {@code java.util.logging.Logger} and
     * {@code Level} (JNA's, Jolokia's) to Hatchway's stand-ins: none is left, and every method and
     * field they use exists in the stand-ins with that exact descriptor (else the first log call
     * would fail with a {@link NoSuchMethodError}).
     */
    @Test
    void noPrivateClassUsesJavaUtilLoggingAndEveryUseOfTheStandInsResolves(@TempDir Path classes) throws Exception {
        List<String> users = new ArrayList<>();
        List<String> julUsers = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            for (JarEntry entry : jar.stream().filter(e -> e.getName().startsWith(PRIVATE) && e.getName().endsWith(".class")).toList()) {
                byte[] bytes = jar.getInputStream(entry).readAllBytes();
                String text = new String(bytes, StandardCharsets.ISO_8859_1);
                if (text.contains("java/util/logging/")) {
                    julUsers.add(entry.getName());
                }
                if (text.contains(STAND_INS)) {
                    Path file = classes.resolve(entry.getName().substring(PRIVATE.length()));
                    Files.createDirectories(file.getParent());
                    Files.write(file, bytes);
                    if (!entry.getName().startsWith(PRIVATE + STAND_INS + "Jul")) { // not the stand-ins themselves
                        users.add(file.toString());
                    }
                }
            }
        }
        assertEquals(List.of(), julUsers, "classes of the private area that still use java.util.logging");
        assertTrue(users.stream().anyMatch(u -> u.contains("com/sun/jna/Native.class")), "JNA's uses were relocated: " + users);

        Set<String> declared = new TreeSet<>(); // Owner.name:descriptor
        String owner = null;
        String member = null;
        for (String line : javap("-p", "-s", classes.resolve(STAND_INS + "JulLogger.class").toString(),
                classes.resolve(STAND_INS + "JulLevel.class").toString())) {
            String trimmed = line.trim();
            if (trimmed.contains(" class " + STAND_INS.replace('/', '.'))) {
                owner = trimmed.substring(trimmed.indexOf(STAND_INS.replace('/', '.')) + STAND_INS.length()).split(" ")[0];
            } else if (trimmed.startsWith("descriptor: ") && member != null) {
                declared.add(owner + "." + member + ":" + trimmed.substring("descriptor: ".length()));
                member = null;
            } else if (trimmed.startsWith("public ") && trimmed.endsWith(";")) {
                String head = trimmed.contains("(") ? trimmed.substring(0, trimmed.indexOf('(')) : trimmed.substring(0, trimmed.length() - 1);
                member = head.substring(head.lastIndexOf(' ') + 1);
                member = member.substring(member.lastIndexOf('.') + 1);
            }
        }
        Set<String> used = new TreeSet<>();
        List<String> arguments = new ArrayList<>(List.of("-c", "-p"));
        arguments.addAll(users);
        Matcher reference = Pattern.compile("// (?:Method|Field) " + STAND_INS + "(Jul\\w+\\.[\\w<>]+:\\S+)").matcher(
                String.join("\n", javap(arguments.toArray(String[]::new))));
        while (reference.find()) {
            used.add(reference.group(1));
        }
        assertFalse(used.isEmpty(), "the relocated classes use the stand-ins");
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(declared);
        assertEquals(Set.of(), missing, "used by the private area but not declared by the stand-ins " + declared);
    }

    private static List<String> javap(String... arguments) {
        StringWriter out = new StringWriter();
        int status = ToolProvider.findFirst("javap").orElseThrow()
                .run(new PrintWriter(out), new PrintWriter(out), arguments);
        assertEquals(0, status, "javap: " + out);
        return out.toString().lines().toList();
    }

    private static boolean isParentOfBootstrap(String name) {
        return name.endsWith("/") && BOOTSTRAP.startsWith(name);
    }
}
