package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code jcmd} of a child JVM's own JDK, as an operator runs it against the host: what the host's
 * JVM itself says about its threads, classes and heap, without anything of the test inside it.
 */
record Jcmd(Jdk jdk, long pid) {
    /** Every line {@code jcmd <pid> <command>} printed; it must succeed within {@link ChildJvm#TIMEOUT}. */
    List<String> run(String... command) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of(jdk.home().resolve("bin").resolve("jcmd").toString(),
                Long.toString(pid)));
        arguments.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(arguments).redirectErrorStream(true).start();
        jcmd.getOutputStream().close();
        byte[] output = jcmd.getInputStream().readAllBytes(); // ends when jcmd does
        if (!jcmd.waitFor(ChildJvm.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            jcmd.destroyForcibly();
            fail("jcmd " + command[0] + " did not end");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, jcmd.exitValue(), "jcmd " + String.join(" ", command) + ": " + text);
        return text.lines().toList();
    }

    /** The names of the JVM's threads, from {@code Thread.print}. */
    List<String> threadNames() throws IOException, InterruptedException {
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
    long liveInstances(String name) throws IOException, InterruptedException {
        for (String line : run("GC.class_histogram")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[0].endsWith(":") && columns[3].equals(name)) {
                return Long.parseLong(columns[1]);
            }
        }
        return 0;
    }

    /** The JVM's performance counters ({@code PerfCounter.print}), e.g. {@code java.cls.loadedClasses}. */
    Map<String, String> counters() throws IOException, InterruptedException {
        Map<String, String> counters = new HashMap<>();
        for (String line : run("PerfCounter.print")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                counters.put(line.substring(0, equals), line.substring(equals + 1).replace("\"", ""));
            }
        }
        return counters;
    }
}
