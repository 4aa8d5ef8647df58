package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code jcmd <pid> <command>} of the server's own JDK: what an operator reads a JVM with, and what
 * works whatever the server guards on its JMX.
 */
final class Jcmd {
    private Jcmd() {
    }

    static List<String> run(Jdk jdk, long pid, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(jdk.home().resolve("bin/jcmd").toString(), Long.toString(pid));
        builder.command().addAll(List.of(command));
        Process jcmd = builder.redirectErrorStream(true).start();
        byte[] out = jcmd.getInputStream().readAllBytes();
        if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
            jcmd.destroyForcibly();
            fail("jcmd " + pid + " " + String.join(" ", command) + " still running after 30 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, jcmd.exitValue(), "jcmd " + pid + " " + String.join(" ", command) + ": " + text);
        return text.lines().toList();
    }

    /** The names of the JVM's threads now ({@code Thread.print}). */
    static List<String> threadNames(Jdk jdk, long pid) throws IOException, InterruptedException {
        return run(jdk, pid, "Thread.print").stream().filter(l -> l.startsWith("\"") && l.indexOf('"', 1) > 0)
                .map(l -> l.substring(1, l.indexOf('"', 1))).toList();
    }

    /** A system property of the JVM ({@code VM.system_properties}, in properties-file escaping), if set. */
    static Optional<String> systemProperty(Jdk jdk, long pid, String name) throws IOException, InterruptedException {
        String prefix = name + "=";
        return run(jdk, pid, "VM.system_properties").stream().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).replaceAll("\\\\(.)", "$1")).findFirst();
    }
}
