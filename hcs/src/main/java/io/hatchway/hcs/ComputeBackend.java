package io.hatchway.hcs;

import io.hatchway.hcs.oci.Bundle;
import java.util.List;
import java.util.Set;

/**
 * A compute backend: what creates the compute systems that run tasks (host processes, an OCI
 * runtime, the Windows Host Compute Service). Implementations are thread-safe.
 */
public interface ComputeBackend extends AutoCloseable {

    /** The backend's name as the {@code backend} agent option spells it ({@code process}, {@code runc}, ...). */
    String name();

    /**
     * The keys of {@code createTask}'s options this backend reads beside {@code isolation}
     * ({@link TaskOptions#parse}); their values are checked by {@link #create}. A key the backend
     * knows only to refuse it (NotImplemented at create) is listed too, so that the user reads that
     * this backend cannot do it rather than that the key is unknown. Non-blocking.
     */
    Set<String> optionKeys();

    /**
     * Creates the compute system of task {@code id} from its bundle, with the init process's
     * standard streams. Nothing runs yet: the init process is launched by {@link ComputeSystem#start},
     * which the task layer calls with the same streams. A backend whose runtime fixes the streams
     * when the container is created (runc and crun create the init process, streams and all, before
     * it is started) takes them here; one that launches the process at start may ignore them here.
     * Non-blocking beyond the runtime's own create command. Nothing is left behind on failure.
     *
     * @throws HatchwayException InvalidArgument when the bundle's process cannot run here (e.g. a
     *     user other than the JVM's on the process backend), an option's value is wrong or the
     *     isolation asked for is one this backend does not offer ({@link TaskOptions#requireIsolation});
     *     NotImplemented for an option this backend knows only to refuse;
     *     AlreadyExists when a system with this id still exists; Unavailable when the runtime fails
     */
    ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio);

    /**
     * Finds again the systems a previous instance of this backend (same state) left running or
     * exited without anyone watching, and removes what it left half-made. Called once, when the
     * task layer starts, before any {@link #create}. Blocking (bounded by the backend's command
     * timeouts per system). The default finds nothing.
     *
     * @return every system that still exists, each to be driven as if just created
     */
    default List<RecoveredSystem> recover() {
        return List.of();
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
