package io.hatchway.hcs.memory;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend whose tasks are modelled in memory: no process is started, yet each modelled process
 * has a pid, figures, a life that ends on the signals that end a Linux process by default
 * (128 + N) or when the test says so ({@link MemoryProcess#exit}), and an exit reported on a
 * thread of the backend's own, after the call that caused it returned, as a real backend's reaper
 * reports it. For tests of the layers above the backends, in milliseconds; the contract suites
 * still run on the real backends.
 *
 * <p>What a process does is chosen by its {@code args}: {@code true}, {@code false} and
 * {@code exit <n>} exit at once with 0, 1 and n; anything else runs until a signal or the test
 * ends it. It takes Linux's signals (1–31); SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
 * SIGURG and SIGWINCH change nothing, like the signals the test makes it ignore
 * ({@link MemoryProcess#ignore}). A task with {@code isolation: sandbox} or {@code hypervisor} is isolated (shares,
 * {@code execInHost}, host figures). Thread-safe.
 */
public final class MemoryBackend implements ComputeBackend {
    static final String NAME = "memory";

    private final Map<String, MemorySystem> systems = new ConcurrentHashMap<>();
    private final AtomicInteger pids = new AtomicInteger(100);
    private final ExecutorService exits = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "hatchway-memory-exits");
        thread.setDaemon(true);
        return thread;
    });

    @Override
    public String name() {
        return NAME;
    }

    /** None: the memory backend reads no option but {@code isolation}. */
    @Override
    public Set<String> optionKeys() {
        return Set.of();
    }

    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        Objects.requireNonNull(initStdio);
        MemorySystem system = new MemorySystem(this, id, bundle, options.isolation() != TaskOptions.Isolation.NONE);
        system.checkProcess(bundle.process());
        if (systems.putIfAbsent(id, system) != null) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
        }
        return system;
    }

    /** The system of task {@code id}, while it is not closed. */
    public Optional<MemorySystem> system(String id) {
        return Optional.ofNullable(systems.get(id));
    }

    /** Every system is killed, as a host's exit would kill its children. */
    @Override
    public void hostExit() {
        systems.values().forEach(MemorySystem::terminate);
    }

    /** Stops the exit thread once the exits already reported are delivered. */
    @Override
    public void close() {
        exits.shutdown();
    }

    int nextPid() {
        return pids.incrementAndGet();
    }

    /** Runs {@code report} after the current call, on the backend's exit thread. */
    void report(Runnable report) {
        try {
            exits.execute(report);
        } catch (RejectedExecutionException closed) { // the backend is closed: no thread to wait for
            report.run();
        }
    }

    void forget(MemorySystem system) {
        systems.remove(system.id(), system);
    }
}
