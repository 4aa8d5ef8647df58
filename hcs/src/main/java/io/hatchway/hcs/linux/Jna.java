package io.hatchway.hcs.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Loads Hatchway's JNA bindings, and releases JNA when Hatchway stops. JNA keeps a thread
 * ({@code JNA Cleaner}, started by the first load) for as long as anything of it is registered for
 * clean-up: each loaded library until it is closed, each native buffer ({@code Memory}, also those
 * JNA makes itself for a call's {@code String} arguments) until it is closed or collected. So
 * {@link #release()} frees and closes them all: the thread then ends by itself, at most 30 s later,
 * and with it the last reference to the class loader that loaded Hatchway.
 *
 * <p>The first load runs before JNA's classes are initialised here: it is where this loader's JNA
 * sets its system properties, which a release puts back.
 */
public final class Jna {
    private static final List<Library> LOADED = new CopyOnWriteArrayList<>();
    /** The system properties JNA sets for the whole JVM as it loads. */
    private static final List<String> PROPERTIES = List.of("jna.loaded", "jnidispatch.path", "jna.platform.library.path",
            "jna.nounpack");
    private static Map<String, String> before; // guarded by Jna.class; null until the first load
    private static Map<String, String> after; // guarded by Jna.class

    private Jna() {
    }

    /**
     * {@code Native.load(name, binding)}. JNA's first load runs {@code ldconfig -p}, and the
     * JDK's {@code process reaper} thread it starts for that takes the context class loader of the
     * thread that started it, for as long as it lives: so the load runs with the system's.
     */
    public static synchronized <T extends Library> T load(String name, Class<T> binding) {
        boolean first = before == null;
        if (first) {
            before = properties();
        }
        Thread current = Thread.currentThread();
        ClassLoader context = current.getContextClassLoader();
        current.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            T library = Native.load(name, binding);
            LOADED.add(library);
            return library;
        } finally {
            current.setContextClassLoader(context);
            if (first) {
                after = properties();
            }
        }
    }

    /**
     * Frees every native buffer JNA still holds for Hatchway, closes every library loaded here, and
     * puts back the system properties JNA set that still hold what it set. Nothing may use JNA
     * afterwards: only for an agent that stops, once no thread of Hatchway's is left that could.
     */
    public static synchronized void release() {
        Memory.disposeAll();
        for (Library library : LOADED) {
            if (Proxy.getInvocationHandler(library) instanceof Library.Handler handler) {
                handler.getNativeLibrary().close();
            }
        }
        LOADED.clear();
        if (before != null) {
            for (String key : PROPERTIES) {
                String set = after.get(key);
                if (set != null && set.equals(System.getProperty(key)) && !set.equals(before.get(key))) {
                    if (before.get(key) == null) {
                        System.clearProperty(key);
                    } else {
                        System.setProperty(key, before.get(key));
                    }
                }
            }
        }
    }

    private static Map<String, String> properties() {
        Map<String, String> values = new HashMap<>();
        for (String key : PROPERTIES) {
            values.put(key, System.getProperty(key));
        }
        return values;
    }
}
