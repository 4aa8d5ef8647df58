package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.Signals;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A process under conmon: its host pid and start time, and conmon's pid with its start time (so a
 * recycled pid is never taken for either). Immutable.
 *
 * @param pid the monitored process's host pid
 * @param conmonPid the monitoring conmon's pid, 0 when unknown
 * @param conmonStartTicks conmon's start time in clock ticks since boot ({@code /proc/<pid>/stat})
 * @param startTicks the process's start time in clock ticks since boot; -1 when it was gone
 *     already when conmon reported it, 0 when unknown (a record written before it was kept)
 */
public record Monitor(int pid, int conmonPid, long conmonStartTicks, long startTicks) {

    /** A monitor of process {@code pid} as it runs now (its start time read from {@code /proc}). */
    static Monitor of(int pid, int conmonPid) {
        long conmonStart = conmonPid > 0 ? ProcFs.stat(conmonPid).map(ProcFs.Stat::startTicks).orElse(-1L) : -1L;
        long start = ProcFs.stat(pid).map(ProcFs.Stat::startTicks).orElse(-1L);
        return new Monitor(pid, conmonStart >= 0 ? conmonPid : 0, conmonStart, start);
    }

    /** Whether the monitoring conmon still runs (a zombie does not). */
    public boolean monitorAlive() {
        if (conmonPid <= 0) {
            return false;
        }
        return ProcFs.stat(conmonPid)
                .filter(s -> s.startTicks() == conmonStartTicks && s.state() != 'Z' && s.state() != 'X')
                .isPresent();
    }

    /**
     * Whether the monitored process itself still runs (a zombie does not): what says whether it
     * has exited once its monitor is gone without telling.
     */
    public boolean processAlive() {
        if (startTicks < 0) {
            return false;
        }
        return ProcFs.stat(pid)
                .filter(s -> (startTicks == 0 || s.startTicks() == startTicks) && s.state() != 'Z' && s.state() != 'X')
                .isPresent();
    }

    /**
     * Records this monitor in {@code dir} ({@code monitor.json}) for {@link #read}: one plain write,
     * on every launch's hot path. A record cut short by an agent that died writing it reads as none,
     * and {@link #recorded} then takes the pid files, as for an agent that died just before.
     */
    void write(MonitorDir dir) throws IOException {
        Files.write(dir.dir().resolve("monitor.json"), Json.MAPPER.writeValueAsBytes(this));
    }

    /** The monitor recorded in {@code dir}, for a process found again after a restart. */
    public static Optional<Monitor> read(MonitorDir dir) {
        try {
            return Optional.of(Json.MAPPER.readValue(dir.dir().resolve("monitor.json").toFile(), Monitor.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The monitor of {@code dir} as {@link #write} recorded it, else as its pid files tell it (an
     * agent that died between conmon's report and the record); empty when no pid was written.
     */
    public static Optional<Monitor> recorded(MonitorDir dir) {
        return read(dir).or(() -> readPid(dir.pidFile()).map(pid -> of(pid, readPid(dir.conmonPidFile()).orElse(0))));
    }

    /**
     * Waits, at most {@code bound}, while a conmon launched for {@code dir} by an agent that died
     * meanwhile is still launching its process (the runtime's {@code create} or {@code exec} has
     * not written the process's pid yet): conmon outlives the agent, so the launch ends without
     * it. What is decided about {@code dir} afterwards sees the launch done or failed, never half
     * way (a container created behind recovery's back, an exec left out). A conmon still launching
     * after the bound is killed, its runtime with it (conmon gives it PDEATHSIG).
     */
    public static void awaitLaunch(MonitorDir dir, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (Files.notExists(dir.pidFile())) {
            Optional<Integer> conmon = readPid(dir.conmonPidFile()).filter(pid -> launching(pid, dir));
            if (conmon.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                LibC.killQuietly(conmon.get(), Signals.SIGKILL);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether {@code pid} is a live conmon launching for {@code dir} (its command line names dir's pid file). */
    private static boolean launching(int pid, MonitorDir dir) {
        if (ProcFs.stat(pid).filter(s -> s.state() != 'Z' && s.state() != 'X').isEmpty()) {
            return false;
        }
        try {
            List<String> argv = List.of(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"))
                    .split("\0"));
            return argv.contains(dir.pidFile().toString());
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<Integer> readPid(Path file) {
        try {
            // Never 0 or -1: kill(2) takes those for a whole process group, or every process.
            return Optional.of(Integer.parseInt(Files.readString(file).strip())).filter(pid -> pid > 1);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
