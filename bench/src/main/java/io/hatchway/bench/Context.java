package io.hatchway.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * What every suite of one run shares: the run's id (in every task, container and process it makes,
 * so the final sweep finds them), its temporary folder, the agent jar, and the clean-up steps,
 * run last-in first-out at the end (or on Ctrl-C).
 */
final class Context {
    /** The environment variable every process the benchmark starts carries: {@code HATCHWAY_BENCH=<run id>}. */
    static final String MARKER = "HATCHWAY_BENCH";
    /** The parent of the cgroups of the containers the benchmark makes outside Hatchway. */
    static final String CGROUP_PARENT = "hatchway-bench";

    final String runId;
    final Path work;
    final Path agentJar;
    private Path hostJar;
    final boolean quick;
    private final Deque<Step> cleanups = new ArrayDeque<>();

    private record Step(String what, Alternation.ThrowingRunnable action) {
    }

    Context(String runId, Path work, Path agentJar, boolean quick) {
        this.runId = runId;
        this.work = work;
        this.agentJar = agentJar;
        this.quick = quick;
    }

    String marker() {
        return MARKER + "=" + runId;
    }

    /** The cgroup of a container the benchmark makes outside Hatchway: {@code /hatchway-bench/<run id>/<id>}. */
    String cgroup(String id) {
        return "/" + CGROUP_PARENT + "/" + runId + "/" + id;
    }

    /** {@code full} iterations, or a tenth of them (at least {@code min}) in a quick run. */
    int iterations(int full, int min) {
        return quick ? Math.max(min, full / 10) : full;
    }

    /** A new folder under the run's temporary folder. */
    Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** JVM arguments of a host with the agent and {@code options} (Jolokia on a free port). */
    List<String> agentArgs(String options) {
        return List.of("-javaagent:" + agentJar + "=" + options);
    }

    /** Starts a host with the agent and waits until it serves. */
    Host startHost(String backend, Path stateDir, List<String> jvmArgs) throws Exception {
        List<String> args = new ArrayList<>(jvmArgs);
        args.addAll(agentArgs("backend=" + backend + ",port=0,stateDir=" + stateDir));
        HostJvm jvm = HostJvm.launch(args, hostJar());
        try {
            jvm.awaitLine(l -> l.startsWith(BenchHost.MAIN), java.time.Duration.ofSeconds(60));
            String started = jvm.awaitLine(l -> l.startsWith("[hatchway] started")
                    || l.startsWith("[hatchway] ERROR"), java.time.Duration.ofSeconds(60)).text();
            if (!started.startsWith("[hatchway] started")) {
                throw new IllegalStateException("agent did not start: " + started);
            }
            return new Host(jvm, JolokiaClient.fromStartLine(started), started);
        } catch (Exception | Error e) {
            jvm.close();
            throw e;
        }
    }

    /** A host JVM with the agent, its JMX connection and its Jolokia client. */
    record Host(HostJvm jvm, JolokiaClient jolokia, String startLine) {
        /**
         * JMX as JConsole reaches it: attaching starts the management agent, which makes the
         * platform MBean server; Hatchway's MBeans join it within a second (waited for, 30 s at most).
         */
        TaskClient tasks() throws Exception {
            javax.management.MBeanServerConnection jmx = jvm.jmx();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!jmx.isRegistered(TaskClient.SERVICE)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(TaskClient.SERVICE + " not in the platform MBean server after 30 s");
                }
                Thread.sleep(10);
            }
            return new TaskClient(jmx);
        }
    }

    /**
     * The host application's jar: {@link BenchHost} as {@code Main-Class} and {@link StampAgent} as
     * {@code Premain-Class}, made once per run from this class path. Hosts run from a jar, as
     * applications do: the JVM's jar machinery is then set up by the host's own class path, not
     * charged to the agent.
     */
    synchronized Path hostJar() throws IOException {
        if (hostJar == null) {
            Path jar = work.resolve("bench-host.jar");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, BenchHost.class.getName());
            manifest.getMainAttributes().putValue("Premain-Class", StampAgent.class.getName());
            try (OutputStream file = Files.newOutputStream(jar);
                 JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Class<?> type : List.of(BenchHost.class, StampAgent.class)) {
                    String entry = type.getName().replace('.', '/') + ".class";
                    try (var bytes = type.getClassLoader().getResourceAsStream(entry)) {
                        out.putNextEntry(new JarEntry(entry));
                        bytes.transferTo(out);
                        out.closeEntry();
                    }
                }
            }
            hostJar = jar;
        }
        return hostJar;
    }

    /** Registers a clean-up step; steps run last-in first-out. */
    synchronized void onCleanup(String what, Alternation.ThrowingRunnable action) {
        cleanups.push(new Step(what, action));
    }

    /** Runs (and forgets) every clean-up step; a failing step is reported and the others still run. */
    void cleanUp() {
        while (true) {
            Step step;
            synchronized (this) {
                step = cleanups.poll();
            }
            if (step == null) {
                return;
            }
            try {
                step.action().run();
            } catch (Exception e) {
                System.err.println("bench: clean-up '" + step.what() + "' failed: " + e);
            }
        }
    }
}
