package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.gcs.GuestContainer;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Linux container's pids and figures as its guest agent gives them, in the task layer's terms: a
 * container that is gone, stopping or unreachable answers NotFound {@code failed to fetch <what>:
 * ...}, never figures of nothing that look valid. Stateless.
 */
final class ContainerFigures {
    private ContainerFigures() {
    }

    /** ProcessList: every pid of the container's cgroup, in the guest (the guest names pids only). */
    static List<ProcessDetails> processes(String taskId, GuestContainer container, boolean started, boolean stopped) {
        List<Integer> pids = ask("pids", taskId, container::processList, stopped);
        if (pids.isEmpty() && started) {
            throw noneLeft("pids", taskId);
        }
        return pids.stream().map(pid -> new ProcessDetails(pid, "", "", 0, 0, 0, 0, 0, "")).toList();
    }

    /**
     * The guest's {@code LCOWMetrics} (cgroup v1): nanoseconds become 100 ns units, cgroup v1's
     * "no limit" (a huge number) a limit of 0.
     */
    static Statistics statistics(String taskId, GuestContainer container, boolean started, boolean stopped) {
        var figures = ask("stats", taskId, container::statistics, stopped);
        if (figures.pidsCurrent() == 0 && started) {
            throw noneLeft("stats", taskId);
        }
        long limit = figures.memoryLimitBytes() >= Long.MAX_VALUE / 2 ? 0 : figures.memoryLimitBytes();
        return new Statistics(Instant.now().toString(), figures.cpuUserNanos() / 100, figures.cpuKernelNanos() / 100,
                figures.memoryUsageBytes(), figures.memoryUsageBytes(), limit, figures.storageReadBytes(),
                figures.storageWriteBytes(), figures.pidsCurrent(), figures.pidsLimit());
    }

    /** A started container none of whose processes is left is stopping. */
    private static HatchwayException noneLeft(String what, String taskId) {
        return ErrorKind.NotFound.error("failed to fetch %s: task '%s' is stopping and none of its processes is left",
                what, taskId);
    }

    private static <T> T ask(String what, String taskId, Supplier<T> question, boolean stopped) {
        if (stopped) {
            throw ErrorKind.NotFound.error("failed to fetch %s: task '%s' has stopped", what, taskId);
        }
        try {
            return question.get();
        } catch (HatchwayException e) {
            if (e.kind() == ErrorKind.NotFound || e.kind() == ErrorKind.Unavailable) {
                throw ErrorKind.NotFound.error("failed to fetch %s: %s", what, e.detail());
            }
            throw e;
        }
    }
}
