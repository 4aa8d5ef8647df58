package io.hatchway.hcs.windows;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.hatchway.hcs.linux.Jna;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Optional;

/**
 * Loads {@link ComputeCore} and its {@link ComputeCore.Kernel32}, once, without ever throwing: on
 * Windows {@code computecore.dll} and {@code kernel32.dll}; elsewhere the one library named by the
 * system property {@value #LIBRARY_PROPERTY} (an absolute path: the test stand-in exports both
 * sets of symbols). When that fails, {@link #unavailableReason()} says why.
 */
public final class HcsLibrary {
    /** The absolute path of a library standing in for computecore.dll and kernel32.dll off Windows. */
    public static final String LIBRARY_PROPERTY = "hatchway.computecore.library";

    private static Object loaded; // guarded by HcsLibrary.class: an HcsLibrary, or the reason (String)

    private final ComputeCore core;
    private final ComputeCore.Kernel32 kernel32;

    private HcsLibrary(ComputeCore core, ComputeCore.Kernel32 kernel32) {
        this.core = core;
        this.kernel32 = kernel32;
    }

    public ComputeCore core() {
        return core;
    }

    public ComputeCore.Kernel32 kernel32() {
        return kernel32;
    }

    /** The loaded libraries, or empty ({@link #unavailableReason()} says why). */
    public static synchronized Optional<HcsLibrary> get() {
        if (loaded == null) {
            loaded = load(Platform.isWindows(), System.getProperty(LIBRARY_PROPERTY));
        }
        return loaded instanceof HcsLibrary library ? Optional.of(library) : Optional.empty();
    }

    /** Why {@link #get()} is empty; null when it is not. */
    public static synchronized String unavailableReason() {
        get();
        return loaded instanceof String reason ? reason : null;
    }

    /** The libraries on Windows, else the one at {@code path}: an {@link HcsLibrary}, or why not (a String). */
    static Object load(boolean windows, String path) {
        String core;
        String kernel32;
        if (windows) {
            core = "computecore";
            kernel32 = "kernel32";
        } else {
            if (path == null || path.isBlank()) {
                return "the Host Compute Service (computecore.dll) exists only on Windows; elsewhere set "
                        + LIBRARY_PROPERTY + " to a library standing in for it";
            }
            if (!new File(path).isAbsolute() || !new File(path).isFile()) {
                return LIBRARY_PROPERTY + " names no library file by an absolute path: " + path;
            }
            core = path;
            kernel32 = path;
        }
        try {
            return new HcsLibrary(withExports(Jna.load(core, ComputeCore.class), ComputeCore.class),
                    withExports(Jna.load(kernel32, ComputeCore.Kernel32.class), ComputeCore.Kernel32.class));
        } catch (LinkageError | RuntimeException e) { // also JNA itself failing to load
            return "cannot load " + core + ": " + e.getMessage();
        }
    }

    /** JNA finds a function only at its first call: a missing export is found here instead. */
    private static <T extends Library> T withExports(T library, Class<T> binding) {
        NativeLibrary loaded = ((Library.Handler) Proxy.getInvocationHandler(library)).getNativeLibrary();
        for (Method method : binding.getDeclaredMethods()) {
            if (!method.isDefault() && !Modifier.isStatic(method.getModifiers())) {
                loaded.getFunction(method.getName());
            }
        }
        return library;
    }
}
