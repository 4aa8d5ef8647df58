package io.hatchway.hcs.process;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.linux.ProcFs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** What a process-backend task's processes are and use, read from {@code /proc} for its members' pids. */
final class SessionUsage {
    private SessionUsage() {
    }

    /**
     * The details of each of {@code members} still there. @param startedOrStopping whether the task
     * has started or is stopping (then none left is NotFound, see {@link #noneLeft})
     */
    static List<ProcessDetails> processes(Set<Integer> members, BooleanSupplier startedOrStopping, String id) {
        List<ProcessDetails> out = new ArrayList<>();
        for (int pid : members) {
            ProcFs.details(pid).ifPresent(out::add);
        }
        if (out.isEmpty() && startedOrStopping.getAsBoolean()) {
            throw noneLeft("pids", id);
        }
        return out;
    }

    /** The sums over {@code members} still there, as {@link #processes}. */
    static Statistics statistics(Set<Integer> members, BooleanSupplier startedOrStopping, String id) {
        long user = 0;
        long kernel = 0;
        long resident = 0;
        long virtual = 0;
        long read = 0;
        long write = 0;
        long count = 0;
        for (int pid : members) {
            Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
            if (stat.isEmpty()) {
                continue;
            }
            ProcFs.Stat s = stat.get();
            user += ProcFs.ticksTo100ns(s.userTicks());
            kernel += ProcFs.ticksTo100ns(s.kernelTicks());
            resident += s.residentPages() * ProcFs.pageSize();
            virtual += s.virtualBytes();
            long[] io = ProcFs.storageBytes(pid);
            read += io[0];
            write += io[1];
            count++;
        }
        if (count == 0 && startedOrStopping.getAsBoolean()) {
            throw noneLeft("stats", id);
        }
        return new Statistics(Instant.now().toString(), user, kernel, resident, virtual, 0, read, write,
                count, 0);
    }

    /**
     * What a started task none of whose processes could be read answers: it has stopped in all but
     * the bookkeeping (its last process died between the listing and the reading, or is being
     * reaped), so NotFound, never figures of nothing that look valid. A task never started has no
     * process yet, and says so with an empty list and zeros.
     */
    private static RuntimeException noneLeft(String what, String id) {
        return ErrorKind.NotFound.error("failed to fetch %s: task '%s' is stopping and none of its processes"
                + " is left", what, id);
    }
}
