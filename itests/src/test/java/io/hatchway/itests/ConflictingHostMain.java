package io.hatchway.itests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host application with its own, older versions of what the agent uses: Jackson 2.13, slf4j 1.7
 * with logback 1.2 and its own {@code logback.xml}, JNA 5.8 (see itests' pom, {@code host-libs}).
 * It uses each, prints which version it got and from which jar, checks that none of Hatchway's
 * classes are visible to it, and logs through slf4j; then it lives until its stdin closes, does it
 * all once more (the agent has been busy meanwhile), and exits 0. Everything it prints is the same
 * from run to run, so a run with the agent can be compared with one without.
 */
public final class ConflictingHostMain {
    static final String RUNNING = "conflicting host: running";
    static final String DONE = "conflicting host: done";
    /** What must stay invisible to the host: Hatchway's classes, and classes only the agent's newer Jackson and slf4j have. */
    static final List<String> AGENT_CLASSES = List.of("io.hatchway.mbeans.TaskService", "io.hatchway.agent.HatchwayAgent",
            "io.hatchway.jolokia.JolokiaExposure", "org.jolokia.server.core.service.api.Restrictor",
            "com.fasterxml.jackson.core.StreamReadConstraints", "org.slf4j.spi.SLF4JServiceProvider");

    private static final Logger log = LoggerFactory.getLogger(ConflictingHostMain.class);

    /** The libc function the host calls through its own JNA. */
    public interface CLibrary extends Library {
        int getpid();
    }

    private ConflictingHostMain() {
    }

    public static void main(String[] args) throws Exception {
        useEverything("start");
        System.out.println(RUNNING);
        System.out.flush();
        while (System.in.read() != -1) { // the test closes stdin to end the host
        }
        useEverything("end");
        System.out.println(DONE);
    }

    private static void useEverything(String phase) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        System.out.println(phase + ": jackson-databind " + mapper.version() + " from " + jarOf(ObjectMapper.class));
        JsonNode order = mapper.readTree("{\"item\":\"teapot\",\"quantity\":2,\"tags\":[\"kitchen\",\"tea\"]}");
        log.info("{}: parsed an order of {} x {} tagged {}", phase, order.get("quantity").asInt(),
                order.get("item").asText(), order.get("tags"));

        Class<?> binding = LoggerFactory.getILoggerFactory().getClass();
        System.out.println(phase + ": slf4j-api " + LoggerFactory.class.getPackage().getImplementationVersion()
                + " from " + jarOf(LoggerFactory.class) + ", bound to " + binding.getName() + " from " + jarOf(binding));
        log.debug("{}: a debug line", phase);
        log.warn("{}: a warning with a {} and a {}", phase, "placeholder", 42);
        log.error("{}: an error line, without an exception", phase);

        CLibrary libc = Native.load("c", CLibrary.class);
        System.out.println(phase + ": jna " + Native.class.getPackage().getImplementationVersion() + " from " + jarOf(Native.class)
                + ", libc getpid() is this JVM's pid: " + (libc.getpid() == ProcessHandle.current().pid()));

        for (String name : AGENT_CLASSES) {
            System.out.println(phase + ": " + name + " visible to the host: " + visible(name));
        }
        log.info("{}: done", phase);
    }

    private static boolean visible(String name) {
        for (ClassLoader loader : new ClassLoader[] {ConflictingHostMain.class.getClassLoader(),
                ClassLoader.getSystemClassLoader(), Thread.currentThread().getContextClassLoader()}) {
            try {
                Class.forName(name, false, loader);
                return true;
            } catch (ClassNotFoundException e) { // as it should be
            }
        }
        return false;
    }

    private static String jarOf(Class<?> type) throws IOException {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
