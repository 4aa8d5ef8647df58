package io.hatchway.hcs;

import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A compute system found again by {@link ComputeBackend#recover()} after the agent (or its host JVM)
 * went away and came back: the system, its init process and its additional processes as they are
 * now. Immutable.
 *
 * @param id the task id
 * @param bundle the task's bundle (the caller's; the backend's own copy when the caller's is gone)
 * @param options the options the task was created with
 * @param system the live system, to be driven as if just created (its {@link ComputeSystem#exited}
 *     and each process's {@link ComputeProcess#exited} complete as usual, at once for what exited
 *     while nobody watched)
 * @param init the init process
 * @param execs the additional processes that were started and not yet released
 */
public record RecoveredSystem(String id, Bundle bundle, TaskOptions options, ComputeSystem system, Process init,
        List<Process> execs) {

    public RecoveredSystem {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        Objects.requireNonNull(options);
        Objects.requireNonNull(system);
        Objects.requireNonNull(init);
        execs = List.copyOf(execs);
    }

    /**
     * One process of a recovered system.
     *
     * @param execId the exec id the task layer gave it ({@code ""} for the init process)
     * @param spec its process as it was run
     * @param stdio where its streams go
     * @param process the process when it was started (running, or exited with its status known);
     *     empty for an init process that was created and never started
     */
    public record Process(String execId, ProcessSpec spec, Stdio stdio, Optional<ComputeProcess> process) {
        public Process {
            Objects.requireNonNull(execId);
            Objects.requireNonNull(spec);
            Objects.requireNonNull(stdio);
            Objects.requireNonNull(process);
        }
    }
}
