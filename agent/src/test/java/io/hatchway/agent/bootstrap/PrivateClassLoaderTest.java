package io.hatchway.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The private class loader finds its jar however the host names it: a {@code file:} URL escaped
 * as the JDK makes them, one made from a raw path, and the {@code jar:file:...!/} form of JBoss
 * Modules (WildFly's {@code MODULE_OPTS}); in a directory whose name has a space, a {@code %} and
 * non-ASCII letters.
 */
class PrivateClassLoaderTest {
    private static final String PROBE = Probe.class.getName();
    private static final String RESOURCE = PROBE.replace('.', '/') + ".class";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"escaped", "raw", "jar"})
    void theJarIsFoundThroughEveryFormOfItsLocation(String form) throws Exception {
        assumeTrue(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode("ü"),
                "file names here cannot hold non-ASCII letters (sun.jnu.encoding): skipped");
        Path jar = privateJar(Files.createDirectories(dir.resolve("a b %41 ü")).resolve("hatchway-agent.jar"));
        URL location = switch (form) {
            case "escaped" -> jar.toUri().toURL();
            case "raw" -> new URL("file:" + jar);
            default -> new URL("jar:" + jar.toUri() + "!/");
        };
        PrivateClassLoader loader = new PrivateClassLoader(location, ClassLoader.getPlatformClassLoader());
        try {
            Class<?> probe = loader.loadClass(PROBE);
            assertSame(loader, probe.getClassLoader(), "loaded from the jar's private area");
            assertEquals("9.8.7", probe.getPackage().getImplementationVersion(), "the manifest's version");
            assertEquals(jar.toUri().toURL(), probe.getProtectionDomain().getCodeSource().getLocation());
            URL resource = loader.getResource(RESOURCE);
            assertNotNull(resource, "resources are found");
            URLConnection connection = resource.openConnection();
            connection.setUseCaches(false);
            try (InputStream in = connection.getInputStream()) {
                assertEquals(classBytes().length, in.readAllBytes().length, resource.toString());
            }
        } finally {
            loader.close();
        }
    }

    private static Path privateJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.8.7");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(PrivateClassLoader.AREA + RESOURCE));
            out.write(classBytes());
            out.closeEntry();
        }
        return jar;
    }

    private static byte[] classBytes() throws IOException {
        try (InputStream in = Probe.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            return in.readAllBytes();
        }
    }
}
