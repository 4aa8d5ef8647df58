package io.hatchway.hcs.process;

import io.hatchway.hcs.ComputeThreads;
import java.util.concurrent.Executor;

/**
 * The process backend's threads, all of its {@link io.hatchway.hcs.BackendContext#threads()}.
 *
 * @param owner for follow-up work and timers
 * @param reapers one {@code hatchway-reaper-*} thread per live process, blocked in waitpid(2), as
 *     the JDK's own process reaper does
 * @param relays the {@code hatchway-relay-*} threads of the stdio copies and FIFO opens
 */
record ProcessThreads(ComputeThreads owner, Executor reapers, Executor relays) {
    /** The pools of {@code owner}, made once per backend. */
    static ProcessThreads of(ComputeThreads owner) {
        return new ProcessThreads(owner, owner.pool("hatchway-reaper-"), owner.pool("hatchway-relay-"));
    }
}
