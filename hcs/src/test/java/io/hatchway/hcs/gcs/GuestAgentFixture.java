package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.linux.Mounts;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
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
import java.util.stream.Stream;

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
    private static final String CGROUP_PREFIX = "hatchway-gcs-";
    private static final Duration STOP_BOUND = Duration.ofSeconds(45); // the jail's own: 30 s after SIGKILL, 5 s of rmdir
    private static final int LOG_TAIL = 16 * 1024;
    private static final AtomicInteger STARTED = new AtomicInteger();

    private final Process jail;
    private final Path log;
    private final String marker;
    private final List<Path> cgroups;
    private boolean closed;

    private GuestAgentFixture(Process jail, Path log, String marker) {
        this.jail = jail;
        this.log = log;
        this.marker = marker;
        this.cgroups = callerCgroups().stream().map(dir -> dir.resolve(CGROUP_PREFIX + jail.pid())).toList();
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
        if (mountInfo().noneMatch(m -> m.type().equals("cgroup") && m.hasOption("memory"))) {
            return "the GCS (v0.12) needs a cgroup v1 memory hierarchy, and this host has none";
        }
        return null;
    }

    // --- running

    /** The GCS in its jail, {@link #GCS_ARGS} then {@code extraGcsArgs}; skips the test where it cannot run. */
    public static GuestAgentFixture start(String... extraGcsArgs) throws IOException {
        String reason = unusableReason();
        assumeTrue(reason == null, reason);
        List<String> args = new ArrayList<>(GCS_ARGS);
        args.addAll(List.of(extraGcsArgs));
        return jailed(gcs().orElseThrow(), args);
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
        return new GuestAgentFixture(builder.start(), log, marker);
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
                jail.destroy();
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

    /** Fails unless nothing of the jailed program is left: processes, cgroups, mounts, runc state. */
    private void assertNothingLeft() {
        Leftovers.awaitNoProcess("processes of gcs-jail " + jail.pid(), Duration.ofSeconds(10),
                () -> Leftovers.processesWithEnv(MARKER_ENV + "=" + marker));
        assertEquals(List.of(), cgroups.stream().filter(Files::exists).toList(),
                "cgroups of gcs-jail " + jail.pid() + " left; log:\n" + log());
        String name = CGROUP_PREFIX + jail.pid();
        assertEquals(List.of(), mountInfo().filter(m -> m.mountPoint().startsWith("/run/gcs")
                || m.mountPoint().contains(name) || m.root().contains(name)).map(MountInfo::mountPoint).toList(),
                "mounts of gcs-jail " + jail.pid() + " left on the host");
        // the GCS's own state, which only a GCS that escaped its private /run could leave on the host's
        assertEquals(List.of(), Stream.of("/run/gcs", "/run/gcsrunc", "/var/run/gcsrunc").map(Path::of)
                .filter(Files::exists).toList(), "the GCS's state on the host");
        assertEquals(List.of(), runcStatesOfGcsContainers(), "runc state of the GCS's containers in the host's /run/runc");
    }

    /** Containers in the host's runc root whose bundle is where the GCS keeps bundles. */
    private static List<Path> runcStatesOfGcsContainers() {
        Path root = Path.of("/run/runc");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> states = Files.list(root)) {
            return states.map(dir -> dir.resolve("state.json")).filter(state -> {
                try {
                    return Files.readString(state).contains("\"/run/gcs/");
                } catch (IOException e) { // gone meanwhile, or no state
                    return false;
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(AutoCloseable stream) {
        try {
            stream.close();
        } catch (Exception e) { // the jail is gone; nothing to flush to
        }
    }

    // --- the host's cgroups and mounts, as the jail finds them

    /** One line of {@code /proc/self/mountinfo}. */
    record MountInfo(String root, String mountPoint, String type, List<String> superOptions) {
        boolean hasOption(String option) {
            return superOptions.contains(option);
        }
    }

    static Stream<MountInfo> mountInfo() {
        List<MountInfo> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mount-point options [optional...] - type source super-options
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash >= 6 && dash + 3 < f.length) {
                    mounts.add(new MountInfo(Mounts.unescape(f[3]), Mounts.unescape(f[4]), f[dash + 1],
                            List.of(f[dash + 3].split(","))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mounts.stream();
    }

    /** This JVM's cgroup directory in every mounted hierarchy: where the jail makes its own, as children. */
    static List<Path> callerCgroups() {
        return cgroupsOf("self");
    }

    /** The cgroup directories of process {@code pid} ("self" for this JVM), one per hierarchy mounted here. */
    static List<Path> cgroupsOf(String pid) {
        List<MountInfo> mounts = mountInfo().filter(m -> m.type().equals("cgroup") || m.type().equals("cgroup2")).toList();
        List<Path> dirs = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "cgroup"))) {
                String[] f = line.split(":", 3); // hierarchy id : controllers : path
                if (f.length < 3) {
                    continue;
                }
                boolean v2 = f[0].equals("0") && f[1].isEmpty();
                List<String> controllers = List.of(f[1].split(","));
                mounts.stream()
                        .filter(m -> v2 ? m.type().equals("cgroup2")
                                : m.type().equals("cgroup") && m.superOptions().containsAll(controllers))
                        .filter(m -> m.root().equals("/") || f[2].equals(m.root()) || f[2].startsWith(m.root() + "/"))
                        .findFirst()
                        .ifPresent(m -> dirs.add(Path.of(m.mountPoint() + (m.root().equals("/") ? f[2]
                                : f[2].substring(m.root().length())))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dirs;
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
