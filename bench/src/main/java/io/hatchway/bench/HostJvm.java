package io.hatchway.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A child JVM running {@link BenchHost}, with or without the agent: its output drained on threads
 * (each line stamped with the time it arrived), its footprint read from {@code /proc}, its MBeans
 * reached the way JConsole reaches them (Attach API, then the local connector address).
 * {@link #close()} always leaves it dead.
 */
final class HostJvm implements AutoCloseable {
    /** A line of the child's output and when this JVM read it ({@link System#nanoTime()}). */
    record Line(String text, long nanos) {
    }

    private final Process process;
    private final long launchedNanos;
    private final List<Line> lines = new ArrayList<>(); // guarded by itself; stdout and stderr both
    private final List<Thread> drains = new ArrayList<>();
    private JMXConnector connector;

    private HostJvm(Process process, long launchedNanos) {
        this.process = process;
        this.launchedNanos = launchedNanos;
        drains.add(drain(process.getInputStream(), "out"));
        drains.add(drain(process.getErrorStream(), "err"));
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <jvmArgs> -cp <host jar> io.hatchway.bench.BenchHost}, timed from just before the fork. */
    static HostJvm launch(List<String> jvmArgs, Path hostJar) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", hostJar.toString(), BenchHost.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command);
        long launched = System.nanoTime();
        return new HostJvm(builder.start(), launched);
    }

    long pid() {
        return process.pid();
    }

    long launchedNanos() {
        return launchedNanos;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private Thread drain(InputStream stream, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    long now = System.nanoTime();
                    synchronized (lines) {
                        lines.add(new Line(line, now));
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) { // the child is gone
            }
        }, "host-" + process.pid() + "-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The first line (stdout or stderr) matching {@code wanted}; fails when the child exits or time runs out. */
    Line awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (Line line : lines) {
                    if (wanted.test(line.text())) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    throw new IllegalStateException("host JVM " + pid() + (process.isAlive() ? " printed no expected line"
                            + " within " + timeout : " exited") + "; its output: " + output());
                }
                lines.wait(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    String output() {
        synchronized (lines) {
            StringBuilder out = new StringBuilder();
            for (Line line : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
                out.append("\n  ").append(line.text());
            }
            return out.toString();
        }
    }

    /** {@code VmRSS} of {@code /proc/<pid>/status}, in kB. */
    long rssKb() throws IOException {
        return statusField("VmRSS:");
    }

    /** CPU time the JVM has used so far (user + system, all threads), in milliseconds. */
    double cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / CLOCK_TICKS;
    }

    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    /** {@code Threads} of {@code /proc/<pid>/status}. */
    long threads() throws IOException {
        return statusField("Threads:");
    }

    private long statusField(String field) throws IOException {
        return statusField(pid(), field);
    }

    /** A number field of any process's {@code /proc/<pid>/status} ({@code VmRSS:} in kB, ...). */
    static long statusField(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in /proc/" + pid + "/status");
    }

    /** Thread names ({@code /proc/<pid>/task/<tid>/comm}, 15 characters at most), counted by name without digits. */
    Map<String, Integer> threadNames() throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "#");
                    out.merge(name, 1, Integer::sum);
                } catch (IOException e) { // ended meanwhile
                }
            }
        }
        return out;
    }

    /** The child's platform MBeans over a real JMX connector. */
    MBeanServerConnection jmx() throws Exception {
        if (connector == null) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        }
        return connector.getMBeanServerConnection();
    }

    /** Heap in use after two full collections, in bytes: what the heap retains. */
    long retainedHeapBytes() throws Exception {
        MemoryMXBean memory = JMX.newMXBeanProxy(jmx(), new ObjectName(ManagementFactory.MEMORY_MXBEAN_NAME),
                MemoryMXBean.class);
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Closes the connector and stdin (the host's signal to exit), then waits; kills a child that lingers. */
    @Override
    public void close() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) { // gone already
            }
            connector = null;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) { // closed already
        }
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(15, TimeUnit.SECONDS);
            }
            for (Thread t : drains) {
                t.join(2000);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
