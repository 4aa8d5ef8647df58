package io.hatchway.agent.bootstrap;

/** A class {@link PrivateClassLoaderTest} puts into a jar's {@code private/} area and loads from there. */
public final class Probe {
    private Probe() {
    }
}
