package io.hatchway.hcs;

import io.hatchway.hcs.oci.ProcessSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The compute system of one task: a container, or on the process backend the task's host process
 * trees. hcsshim's {@code cow.Container}. It owns the init process and every additional process.
 *
 * <p>All methods are thread-safe and none blocks beyond the bound it names. The task state machine
 * (module {@code mbeans}) decides <em>when</em> to call them; this interface only says what each
 * does.
 */
public interface ComputeSystem {

    String id();

    /** Whether the system runs in a host of its own (a utility VM; on Linux a sandbox). */
    boolean isolated();

    /**
     * Checks that this system's processes can take {@code signal}: its platform's rule (Linux:
     * 1–31). Non-blocking.
     *
     * @throws HatchwayException FailedPrecondition {@code signal <n>: invalid signal value}
     *     ({@link Signals#invalid}) otherwise (CONTRACT.md, Signals)
     */
    void checkSignal(int signal);

    /**
     * Checks, before an exec is stored, that this system can run {@code spec}: the backend's own
     * rules on a process (a terminal, the user it runs as). Non-blocking; {@link #exec} checks again.
     *
     * @throws HatchwayException InvalidArgument or NotImplemented naming what cannot be honoured
     */
    void checkProcess(ProcessSpec spec);

    /**
     * Starts the system and its init process, whose streams are {@code stdio} (the same streams the
     * system was created with, where the backend took them at create). On failure the caller tears
     * the system down with {@link #terminate()} and {@link #close()}.
     *
     * @throws HatchwayException InvalidArgument when the process cannot be launched (missing or
     *     non-executable binary, bad cwd), Unavailable when the runtime fails, DeadlineExceeded
     *     naming a FIFO among the streams whose other end did not open within
     *     {@link Stdio#PEER_TIMEOUT} (nothing was started)
     */
    ComputeProcess start(Stdio stdio);

    /**
     * Launches an additional process in the started system. {@code execId} is the task layer's
     * name for it: a backend that keeps state across restarts hands it back from
     * {@link ComputeBackend#recover()}.
     *
     * @throws HatchwayException as {@link #start}; FailedPrecondition when the system has not been
     *     started or has stopped; as {@link #checkProcess} for a process this system cannot run
     */
    ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio);

    /**
     * Every process of the system (the init process, additional processes and their children),
     * with {@code execId} left empty: the caller knows which pid is which exec.
     *
     * @throws HatchwayException NotFound {@code failed to fetch pids: ...} when they cannot be listed
     */
    List<ProcessDetails> processes();

    /**
     * The system's figures now.
     *
     * @throws HatchwayException NotFound {@code failed to fetch stats: ...} when the system is gone
     */
    Statistics statistics();

    /** The figures of the system's own host, for an isolated system that owns one. */
    Optional<Statistics> hostStatistics();

    /**
     * Runs {@code spec} in the system's host, outside the container, and waits for it.
     *
     * @return its exit code, -1 when unknown
     * @throws HatchwayException FailedPrecondition {@code task is not isolated}; DeadlineExceeded
     *     when it runs longer than {@code timeout} (it is then killed)
     */
    int execInHost(ProcessSpec spec, Duration timeout);

    /** The stacks of what runs in the host, bounded by {@code timeout}; {@code ""} when not isolated. */
    String dumpGuestStacks(Duration timeout);

    /**
     * Makes {@code hostPath} visible in the host at {@code guestPath}. The paths are as the caller
     * gave them (possibly {@code null}): their shape is this backend's platform's rule, checked
     * first (on Linux both are absolute: InvalidArgument {@code hostPath '<path>': not an absolute
     * path}).
     *
     * @throws HatchwayException InvalidArgument for a path of the wrong shape, that does not exist
     *     or is not allowed; FailedPrecondition {@code task is not isolated}
     */
    void share(String hostPath, String guestPath, boolean readOnly);

    /** Asks every process of the system to stop (SIGTERM on Linux). Returns at once. */
    void shutdown();

    /** Kills every process of the system. Returns at once. */
    void terminate();

    /**
     * Completes once the system has stopped: it was never started or its init process has exited,
     * and no other process of it is left. Never completes exceptionally.
     */
    CompletionStage<Void> exited();

    /**
     * FailedPrecondition {@code task is not isolated}: what {@link #execInHost} and {@link #share}
     * answer on a system without a host of its own (CONTRACT.md), on every backend alike.
     */
    static HatchwayException notIsolated() {
        return ErrorKind.FailedPrecondition.error("task is not isolated");
    }

    /**
     * The check of a share's paths every backend makes first, with its platform's rule for an
     * absolute path: InvalidArgument {@code hostPath '<path>': not an absolute path} (or
     * {@code guestPath ...}), also for a missing path.
     */
    static void checkSharePaths(String hostPath, String guestPath, Predicate<String> absolute) {
        if (!absolute.test(hostPath)) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s': not an absolute path", hostPath);
        }
        if (!absolute.test(guestPath)) {
            throw ErrorKind.InvalidArgument.error("guestPath '%s': not an absolute path", guestPath);
        }
    }

    /**
     * Releases the system's resources once it has stopped. Idempotent once it has succeeded.
     *
     * @throws HatchwayException when a resource could not be released (e.g. the runtime refused to
     *     delete the container): the system is then still there, and a later call tries again
     */
    void close();
}
