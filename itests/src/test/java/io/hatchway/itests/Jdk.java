package io.hatchway.itests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A JDK installed on this machine that child JVMs run on. The tests that must hold on every JDK
 * Hatchway supports run once per {@link #all() JDK}; one that is not installed is skipped, and the
 * skip says where it was looked for.
 *
 * @param name    what a reader calls it, e.g. {@code OpenJDK 17}
 * @param home    the JDK's directory
 * @param feature its feature release, as {@code java.lang:type=Runtime}'s {@code SpecVersion} reports it
 */
record Jdk(String name, Path home, String feature) {
    static final Jdk OPENJDK_17 = new Jdk("OpenJDK 17", Path.of("/usr/lib/jvm/java-17-openjdk-amd64"), "17");
    static final Jdk TEMURIN_25 = new Jdk("Temurin 25", Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"), "25");

    /** The JDKs the agent must work on, installed or not: a missing one is skipped by {@link #assumeInstalled()}. */
    static Stream<Jdk> all() {
        return Stream.of(OPENJDK_17, TEMURIN_25);
    }

    Path java() {
        return home.resolve("bin").resolve("java");
    }

    /** Skips the calling test, saying why, when this JDK is not installed here. */
    void assumeInstalled() {
        assumeTrue(Files.isExecutable(java()), name + " is not installed here (no " + java() + "): skipped");
    }

    @Override
    public String toString() {
        return name;
    }
}
