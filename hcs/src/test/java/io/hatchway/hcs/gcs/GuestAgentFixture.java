package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * hcsshim's Linux guest agent (the GCS) for tests, only ever run inside {@code gcs-jail}
 * ({@code src/test/c/gcsjail.c}): its own pid, mount, cgroup, UTS and IPC namespaces, a private
 * {@code /run}, fresh cgroup mounts rooted at a cgroup of its own, no vsock, no reboot. A test
 * {@link #start starts} one, speaks the bridge over {@link #in()}/{@link #out()}, reads its log in
 * {@link #log()} and {@link #close() closes} it, which SIGTERMs the jail (bounded, SIGKILL after)
 * and then fails the test if anything of it is left: a process, a cgroup, a mount, runc state.
 * Tests skip with {@link #unusableReason()} where the GCS cannot run.
 *
 * <p>Where things are, for Java and C alike (the stand-in's VirtualMachine runs the same):
 * <ul>
 * <li>the jail: {@code $HATCHWAY_GCS_JAIL} (hcs's and mbeans' surefire set it to
 *     {@code hcs/target/standin/gcs-jail}), else {@code hcs/target/standin/gcs-jail} of the
 *     repository found walking up from the working directory;
 * <li>the GCS: {@code $HATCHWAY_GCS}, else the first {@code shared/gcs/gcs} found walking up from the
 *     working directory (a clone at {@code /work/ci-clone} or a worktree at {@code /work/wt/x} both
 *     find {@code /work/shared/gcs/gcs});
 * <li>the command line, exactly: {@code $HATCHWAY_GCS_JAIL $HATCHWAY_GCS -v4 -use-inouterr
 *     -disable-time-sync -loglevel debug}, as root, {@code runc} on {@code PATH}; the bridge is the
 *     jail's stdin (host to guest) and stdout (guest to host), the GCS's log its stderr; stop it with
 *     SIGTERM to the jail and wait for the jail (it exits once nothing of the GCS is left; 137: the GCS
 *     was SIGKILLed, 125: the jail failed, said on stderr). Never close stdin to stop it: the GCS then
 *     exits 1 (v0.12) or reconnects forever (v0.15+).
 * </ul>
 */
public final class GuestAgentFixture implements AutoCloseable {
    public static final String JAIL_ENV = "HATCHWAY_GCS_JAIL";
    public static final String GCS_ENV = "HATCHWAY_GCS";
    /** What the GCS is given: protocol v4, the bridge on stdin/stdout, no Hyper-V clock, a detailed log. */
    public static final List<String> GCS_ARGS = List.of("-v4", "-use-inouterr", "-disable-time-sync", "-loglevel", "debug");
    /** Put in the jail's environment, inherited by everything the GCS starts outside containers. */
    private static final String MARKER_ENV = "HATCHWAY_GCS_FIXTURE";
    private static final Duration STOP_BOUND = Duration.ofSeconds(45); // the jail's own: 30 s after SIGKILL, 5 s of rmdir
    private static final int LOG_TAIL = 16 * 1024;
    private static final AtomicInteger STARTED = new AtomicInteger();

    private final Process jail;
    private final Path log;
    private final String marker;
    private final List<Path> cgroups;
    private final List<String> tracesBefore;
    private boolean closed;

    private GuestAgentFixture(Process jail, Path log, String marker, List<String> tracesBefore) {
        this.jail = jail;
        this.tracesBefore = tracesBefore;
        this.log = log;
        this.marker = marker;
        this.cgroups = JailHost.callerCgroups().stream().map(dir -> dir.resolve(JailHost.CGROUP_PREFIX + jail.pid())).toList();
    }

    // --- where things are

    /** The GCS binary: {@code $HATCHWAY_GCS}, else {@code shared/gcs/gcs} found walking up from the working directory. */
    public static Optional<Path> gcs() {
        String named = System.getenv(GCS_ENV);
        return named != null && !named.isEmpty() ? Optional.of(Path.of(named)) : walkUp(Path.of("shared/gcs/gcs"));
    }

    /** The jail: {@code $HATCHWAY_GCS_JAIL}, else {@code hcs/target/standin/gcs-jail} found walking up. */
    public static Optional<Path> jail() {
        String named = System.getenv(JAIL_ENV);
        return named != null && !named.isEmpty() ? Optional.of(Path.of(named))
                : walkUp(Path.of("hcs/target/standin/gcs-jail"));
    }

    private static Optional<Path> walkUp(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) {
                return Optional.of(dir.resolve(relative));
            }
        }
        return Optional.empty();
    }

    /** Why the jail cannot run a program here, or null. */
    public static String jailUnusableReason() {
        if (!System.getProperty("os.name").startsWith("Linux")) {
            return "gcs-jail needs Linux";
        }
        int uid = uid();
        if (uid != 0) {
            return "gcs-jail needs root (tests run as uid " + uid + ")";
        }
        Optional<Path> jail = jail();
        if (jail.isEmpty() || !Files.isExecutable(jail.get())) {
            return "no gcs-jail at " + jail.map(Path::toString).orElse("$" + JAIL_ENV + " (unset) or hcs/target/standin")
                    + " (hcs's test build compiles it with gcc)";
        }
        List<Path> readOnly = JailHost.callerCgroups().stream().filter(dir -> !Files.isWritable(dir)).toList();
        if (!readOnly.isEmpty()) {
            return "gcs-jail makes its cgroups below this JVM's, and these are read-only: " + readOnly;
        }
        return null;
    }

    /** Why the GCS cannot run here, or null: root, runc on PATH, a cgroup v1 memory hierarchy, the GCS and the jail. */
    public static String unusableReason() {
        String jailReason = jailUnusableReason();
        if (jailReason != null) {
            return jailReason;
        }
        Optional<Path> gcs = gcs();
        if (gcs.isEmpty() || !Files.isExecutable(gcs.get())) {
            return "no GCS at " + gcs.map(Path::toString).orElse("$" + GCS_ENV + " (unset) or shared/gcs/gcs above "
                    + Path.of("").toAbsolutePath()) + " (hcsshim's cmd/gcs, see ../shared/gcs/README.md)";
        }
        if (BusyboxBundle.onPath("runc").isEmpty()) {
            return "the GCS runs containers with runc, which is not installed (apt-get install runc)";
        }
        if (JailHost.mountInfo().noneMatch(m -> m.type().equals("cgroup") && m.hasOption("memory"))) {
            return "the GCS (v0.12) needs a cgroup v1 memory hierarchy, and this host has none";
        }
        return null;
    }

    // --- running

    /** The GCS in its jail, {@link #GCS_ARGS} then {@code extraGcsArgs}; skips the test where it cannot run. */
    public static GuestAgentFixture start(String... extraGcsArgs) throws IOException {
        String reason = unusableReason();
        assumeTrue(reason == null, reason);
        List<String> command = commandLine(extraGcsArgs);
        return jailed(Path.of(command.get(1)), command.subList(2, command.size()));
    }

    /** The jailed GCS's command line: the jail, the GCS, {@link #GCS_ARGS}, {@code extraGcsArgs}; needs {@link #unusableReason()} null. */
    public static List<String> commandLine(String... extraGcsArgs) {
        List<String> command = new ArrayList<>(List.of(jail().orElseThrow().toString(), gcs().orElseThrow().toString()));
        command.addAll(GCS_ARGS);
        command.addAll(List.of(extraGcsArgs));
        return command;
    }

    /** Any program in the jail (the tests' probe), the same way; skips the test where the jail cannot run. */
    public static GuestAgentFixture jailed(Path program, List<String> args) throws IOException {
        String reason = jailUnusableReason();
        assumeTrue(reason == null, reason);
        List<String> command = new ArrayList<>();
        command.add(jail().orElseThrow().toString());
        command.add(program.toString());
        command.addAll(args);
        Path logs = Files.createDirectories(Path.of("target", "gcs-logs").toAbsolutePath());
        Path log = logs.resolve(program.getFileName() + "-" + ProcessHandle.current().pid() + "-"
                + STARTED.incrementAndGet() + ".log");
        String marker = UUID.randomUUID().toString();
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        builder.environment().put(MARKER_ENV, marker);
        List<String> tracesBefore = JailHost.traces();
        return new GuestAgentFixture(builder.start(), log, marker, tracesBefore);
    }

    /** The bridge from the guest: what the GCS writes (its stdout). */
    public InputStream in() {
        return jail.getInputStream();
    }

    /** The bridge to the guest: what the GCS reads (its stdin). */
    public OutputStream out() {
        return jail.getOutputStream();
    }

    /** The jail's pid (the GCS's host pid is its one child). */
    public long pid() {
        return jail.pid();
    }

    /** The jailed program's pid as the host sees it, once the jail has started it. */
    public Optional<ProcessHandle> program() {
        return jail.toHandle().children().findFirst();
    }

    /** The cgroups the jail makes for the program, one per hierarchy: gone once {@link #close()} returns. */
    public List<Path> cgroups() {
        return cgroups;
    }

    /** The file holding the program's stderr (the GCS's log) and the jail's own messages. */
    public Path logFile() {
        return log;
    }

    /** The log's last 16 KiB, for assertion messages. */
    public String log() {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(0, file.length() - LOG_TAIL);
            byte[] tail = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(tail);
            return (start > 0 ? "[...]" : "") + new String(tail, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The jail's exit status once it ended by itself within {@code bound}; empty while it still runs. */
    public Optional<Integer> awaitExit(Duration bound) throws InterruptedException {
        return jail.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(jail.exitValue()) : Optional.empty();
    }

    /**
     * Stops the program (SIGTERM to the jail, which SIGKILLs the program's whole pid namespace; SIGKILL
     * to the jail if it did not end within 45 s) and returns the jail's exit status, having checked that
     * nothing of the program is left. The second call only returns the status.
     */
    public int stop() throws InterruptedException {
        if (closed) {
            return jail.exitValue();
        }
        closed = true;
        try {
            if (jail.isAlive()) {
                // the handle's destroy, not the Process's: that one also closes the GCS's stdin at once,
                // and a GCS reading end of file first exits 1 on its own (and leaves its cgroups)
                jail.toHandle().destroy();
                if (!jail.waitFor(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                    jail.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("gcs-jail " + jail.pid() + " still ran " + STOP_BOUND.toSeconds()
                            + " s after SIGTERM; log:\n" + log());
                }
            }
        } finally {
            closeQuietly(jail.getOutputStream());
            closeQuietly(jail.getInputStream());
        }
        assertNothingLeft();
        return jail.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /**
     * Fails unless nothing of the jailed program is left: processes (those outside containers carry
     * the fixture's marker in their environment; those in containers are in the jail's cgroups),
     * cgroups, mounts, runc state.
     */
    private void assertNothingLeft() {
        Leftovers.awaitNoProcess("processes of gcs-jail " + jail.pid(), Duration.ofSeconds(10),
                () -> Leftovers.processesWithEnv(MARKER_ENV + "=" + marker));
        assertEquals(List.of(), cgroups.stream().filter(Files::exists).toList(),
                "cgroups of gcs-jail " + jail.pid() + " left; log:\n" + log());
        List<String> traces = new ArrayList<>(JailHost.traces());
        traces.removeAll(tracesBefore);
        assertEquals(List.of(), traces, "what a GCS leaves on the host only when it escapes its mount namespace");
    }

    private static void closeQuietly(AutoCloseable stream) {
        try {
            stream.close();
        } catch (Exception e) { // the jail is gone; nothing to flush to
        }
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
