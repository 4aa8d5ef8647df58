package io.hatchway.agent.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

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
    private final ProtectionDomain domain;

    PrivateClassLoader(URL jarLocation, ClassLoader parent) throws IOException {
        super("hatchway", parent);
        this.jar = new JarFile(jarLocation.getPath(), false);
        this.jarUrl = "jar:" + jarLocation.toExternalForm() + "!/";
        this.domain = new ProtectionDomain(new CodeSource(jarLocation, (Certificate[]) null), null, this, null);
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
                    definePackage(pkg, "Hatchway", version(), null, null, null, null, null);
                } catch (IllegalArgumentException raced) { // defined meanwhile by another thread
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    private String version() {
        try {
            return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        } catch (IOException e) {
            return null;
        }
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
