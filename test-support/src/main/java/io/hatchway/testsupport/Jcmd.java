package io.hatchway.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code jcmd} of a child JVM's own JDK ({@code javaHome}), as an operator runs it against the host:
 * what the host's JVM itself says about its threads, classes, heap and properties, without anything
 * of the test inside it.
 */
public record Jcmd(Path javaHome, long pid) {
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** Every line {@code jcmd <pid> <command>} printed; it must succeed within 30 s. */
    public List<String> run(String... command) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("jcmd").toString(),
                Long.toString(pid)));
        arguments.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(arguments).redirectErrorStream(true).start();
        jcmd.getOutputStream().close();
        byte[] output = jcmd.getInputStream().readAllBytes(); // ends when jcmd does
        if (!jcmd.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
            jcmd.destroyForcibly();
            fail("jcmd " + pid + " " + String.join(" ", command) + " still running after " + BOUND);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, jcmd.exitValue(), "jcmd " + String.join(" ", command) + ": " + text);
        return text.lines().toList();
    }

    /** The names of the JVM's threads, from {@code Thread.print}. */
    public List<String> threadNames() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        for (String line : run("Thread.print")) {
            int end = line.indexOf("\" ");
            if (line.startsWith("\"") && end > 0) {
                names.add(line.substring(1, end));
            }
        }
        return names;
    }

    /**
     * Live instances of class {@code name}, from {@code GC.class_histogram}, which runs a full
     * garbage collection first.
     */
    public long liveInstances(String name) throws IOException, InterruptedException {
        for (String line : run("GC.class_histogram")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[0].endsWith(":") && columns[3].equals(name)) {
                return Long.parseLong(columns[1]);
            }
        }
        return 0;
    }

    /** The JVM's performance counters ({@code PerfCounter.print}), e.g. {@code java.cls.loadedClasses}. */
    public Map<String, String> counters() throws IOException, InterruptedException {
        Map<String, String> counters = new HashMap<>();
        for (String line : run("PerfCounter.print")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                counters.put(line.substring(0, equals), line.substring(equals + 1).replace("\"", ""));
            }
        }
        return counters;
    }

    /** A system property of the JVM ({@code VM.system_properties}, in properties-file escaping), if set. */
    public Optional<String> systemProperty(String name) throws IOException, InterruptedException {
        String prefix = name + "=";
        return run("VM.system_properties").stream().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).replaceAll("\\\\(.)", "$1")).findFirst();
    }
}
