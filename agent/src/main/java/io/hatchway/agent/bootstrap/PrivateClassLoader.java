package io.hatchway.agent.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Loads Hatchway and its dependencies (Jackson, slf4j, Jolokia, JNA) from the agent jar's
 * {@code private/} area, so the host never sees them and they never see the host's versions.
 * Its parent is the platform class loader in a host JVM (the host's class path stays invisible),
 * and the system class loader when the jar runs as a program (nothing but the JDK is there).
 * Thread-safe and parallel capable.
 */
final class PrivateClassLoader extends ClassLoader {
    static final String AREA = "private/";

    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;
    private final String jarUrl;
    private final String version;
    private final ProtectionDomain domain;

    /**
     * @param jarLocation the agent jar as its code source names it: a {@code file:} URL (escaped or
     *                    not: spaces, {@code %}, non-ASCII names) or a {@code jar:file:...!/} URL, which
     *                    is what a JBoss Modules class path yields
     */
    PrivateClassLoader(URL jarLocation, ClassLoader parent) throws IOException {
        super("hatchway", parent);
        Path file = jarFile(jarLocation);
        URL fileUrl = file.toUri().toURL();
        this.jar = new JarFile(file.toFile(), false);
        try {
            this.version = version(jar);
        } catch (IOException | RuntimeException e) {
            jar.close();
            throw e;
        }
        this.jarUrl = "jar:" + fileUrl.toExternalForm() + "!/";
        this.domain = new ProtectionDomain(new CodeSource(fileUrl, (Certificate[]) null), null, this, null);
    }

    /** The jar's file: through a URI, never a URL's raw path, which keeps its escapes. */
    static Path jarFile(URL location) throws IOException {
        String spec = location.toExternalForm();
        if (spec.startsWith("jar:")) { // jar:<file URL>!/
            int bang = spec.lastIndexOf("!/");
            spec = spec.substring("jar:".length(), bang < 0 ? spec.length() : bang);
        }
        if (!spec.startsWith("file:")) {
            throw new IOException("the agent jar must be a local file, not " + location);
        }
        try {
            return Path.of(new URI(spec));
        } catch (URISyntaxException | IllegalArgumentException notEscaped) {
            // A URL made from a path without escaping it (a raw space): its path is the file's name.
            return Path.of(new URL(spec).getPath());
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        JarEntry entry = jar.getJarEntry(AREA + name.replace('.', '/') + ".class");
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, "Hatchway", version, null, null);
                } catch (IllegalArgumentException raced) { // defined meanwhile by another thread
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    /** The jar manifest's {@code Implementation-Version}: Hatchway's version, as its packages report it. */
    private static String version(JarFile jar) throws IOException {
        Manifest manifest = jar.getManifest();
        return manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
    }

    @Override
    protected URL findResource(String name) {
        if (jar.getJarEntry(AREA + name) == null) {
            return null;
        }
        try {
            return new URL(jarUrl + AREA + name);
        } catch (MalformedURLException e) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(Collections.singleton(url));
    }

    /** Closes the jar; classes already loaded stay usable. */
    void close() {
        try {
            jar.close();
        } catch (IOException e) { // nothing left to release
        }
    }
}
