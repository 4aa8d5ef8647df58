package io.hatchway.hcs;

import io.hatchway.hcs.oci.Bundle;

/**
 * A compute backend: what creates the compute systems that run tasks (host processes, an OCI
 * runtime, the Windows Host Compute Service). Implementations are thread-safe.
 */
public interface ComputeBackend extends AutoCloseable {

    /** The backend's name as the {@code backend} agent option spells it ({@code process}, {@code runc}, ...). */
    String name();

    /**
     * Creates the compute system of task {@code id} from its bundle. Nothing runs yet: the init
     * process is launched by {@link ComputeSystem#start}. Non-blocking beyond the runtime's own
     * create command.
     *
     * @throws HatchwayException InvalidArgument when the bundle's process cannot run here (e.g. a
     *     user other than the JVM's on the process backend), NotImplemented for an option this
     *     backend lacks (e.g. sandbox isolation), Unavailable when the runtime fails
     */
    ComputeSystem create(String id, Bundle bundle, TaskOptions options);

    /**
     * {@link #create(String, Bundle, TaskOptions)} with the init process's standard streams known
     * already. A backend whose runtime fixes them when the container is created (runc and crun
     * create the init process, with its streams, before it is started) needs them here; the task
     * layer always calls this form and passes the same streams to {@link ComputeSystem#start}. The
     * default ignores them.
     *
     * @throws HatchwayException as {@link #create(String, Bundle, TaskOptions)}
     */
    default ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        return create(id, bundle, options);
    }

    /**
     * Finds again the systems a previous instance of this backend (same state) left running or
     * exited without anyone watching, and removes what it left half-made. Called once, when the
     * task layer starts, before any {@link #create}. Blocking (bounded by the backend's command
     * timeouts per system). The default finds nothing.
     *
     * @return every system that still exists, each to be driven as if just created
     */
    default java.util.List<RecoveredSystem> recover() {
        return java.util.List.of();
    }

    /**
     * What becomes of the backend's systems when the host JVM exits: called once, from the shutdown
     * hook Hatchway holds while it runs (removed at stop), on that hook's thread while the JVM exits.
     * The host's exit waits for it, so it is bounded (by the backend's own shutdown wait) and costs
     * nothing when there are no systems. The default does nothing: the systems outlive the host and
     * {@link #recover()} finds them again at the next start (the runc backend's containers).
     */
    default void hostExit() {
    }

    /** Releases what the backend holds. Compute systems it created are not stopped. */
    @Override
    void close();
}
