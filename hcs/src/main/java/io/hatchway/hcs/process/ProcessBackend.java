package io.hatchway.hcs.process;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.Bundle;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default backend: a task is a tree of plain host processes started from the bundle's
 * OCI {@code process}, run as the JVM's own user. It needs no root and no runtime; it cannot
 * isolate, give a process another user, or give it a terminal, and says so instead of ignoring it.
 *
 * <p>A task never outlives its host unknown. At host exit ({@link #hostExit}) the backend ends its
 * tasks: SIGTERM to every member of their sessions, at most {@code shutdown} for them to go, then
 * SIGKILL. Because a host killed outright runs no hook (and a stopped Hatchway leaves its tasks
 * running), each task's sessions are recorded under {@code <stateDir>/process} ({@link SessionRecord})
 * while it lives, and {@link #recover} ends what a previous host left of them the same way before
 * the first task is created; so does a create of the same id later. A task id whose leftover
 * processes are still alive (they could not be ended, or the host JVM that runs them still runs,
 * Hatchway stopped in it) is refused: AlreadyExists.
 */
public final class ProcessBackend implements ComputeBackend {
    private static final Logger log = LoggerFactory.getLogger(ProcessBackend.class);
    /** After SIGKILL: how long the kernel may take to remove them (a process in uninterruptible sleep waits). */
    static final Duration KILL_WAIT = Duration.ofSeconds(1);
    /** The backend's name, as the {@code backend} option gives it. */
    static final String NAME = "process";
    private static final String RUNTIME = "runtime";
    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private final Path records;
    private final Duration shutdown;
    private final ProcessThreads threads;
    private final Set<ProcessSystem> systems = ConcurrentHashMap.newKeySet();

    /**
     * The backend of {@code context}: the tasks' sessions recorded under {@code <stateDir>/process};
     * its {@link BackendContext#hostExitShutdown} between SIGTERM and SIGKILL at host exit and when
     * a previous host's leftovers are ended; its threads from {@link BackendContext#threads}.
     */
    public ProcessBackend(BackendContext context) {
        this.records = context.stateDir().resolve("process");
        this.shutdown = context.hostExitShutdown();
        this.threads = ProcessThreads.of(context.threads());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code runtime} (runc's), known here only to be refused: the process backend runs no OCI runtime. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(RUNTIME);
    }

    /**
     * Creates the task's record; {@code initStdio} is taken at {@link ComputeSystem#start}, which
     * launches the init process.
     *
     * @throws io.hatchway.hcs.HatchwayException also AlreadyExists when processes of an earlier task
     *     with this id are still alive on this host
     */
    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        options.requireIsolation(name(), Set.of(TaskOptions.Isolation.NONE));
        if (!options.option(RUNTIME).isEmpty()) {
            throw ErrorKind.NotImplemented.error("runtime '%s': the process backend runs no OCI runtime",
                    options.option(RUNTIME));
        }
        checkFree(id);
        ProcessSystem system = new ProcessSystem(id, bundle, new SessionRecord(records, id), systems::remove, threads);
        system.checkProcess(bundle.process());
        systems.add(system);
        return system;
    }

    /**
     * Refuses an id whose recorded leftover still has live processes once ended where it may be
     * (its host JVM is gone, or is this one); clears a record nothing is left of.
     */
    private void checkFree(String id) {
        Path file = records.resolve(id);
        if (!Files.exists(file)) {
            return;
        }
        Optional<SessionRecord.Contents> contents = SessionRecord.read(file);
        if (contents.isPresent() && endable(contents.get())) {
            end("leftover of an earlier run", Map.of(id, contents.get().liveSessions()));
        }
        Set<Integer> alive = contents.map(c -> ProcFs.sessionMembers(c.liveSessions())).orElse(Set.of());
        if (!alive.isEmpty()) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists on this host: processes %s of an"
                    + " earlier run (recorded in %s) are still alive", id, new TreeSet<>(alive), file);
        }
        new SessionRecord(records, id).remove();
    }

    /**
     * Ends what earlier hosts on this state directory left running of their tasks (SIGTERM, at most
     * the shutdown wait, SIGKILL; each step logged) and removes their records. A record whose host
     * JVM still runs is left alone, and its task id stays taken. Finds nothing to recover: a task
     * of host processes is not driven again by a new host.
     */
    @Override
    public List<RecoveredSystem> recover() {
        if (!Files.isDirectory(records)) {
            return List.of();
        }
        Map<String, Map<Integer, Long>> leftovers = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(records, f -> !f.getFileName().toString().startsWith("."))) {
            for (Path file : files) {
                String id = file.getFileName().toString();
                Optional<SessionRecord.Contents> contents = SessionRecord.read(file);
                if (contents.isPresent() && !endable(contents.get())) {
                    log.info("task '{}' of host JVM {}, which still runs, is left alone (recorded in {})", id,
                            contents.get().hostPid(), file);
                    continue;
                }
                leftovers.put(id, contents.map(SessionRecord.Contents::liveSessions).orElse(Map.of()));
            }
        } catch (IOException e) {
            log.warn("reading the recorded tasks in {}: {}", records, e.toString());
        }
        for (String id : end("leftover of an earlier run", leftovers)) {
            new SessionRecord(records, id).remove();
        }
        return List.of();
    }

    /**
     * Whether this backend may end what a record names: its host JVM is gone (or is this one, where
     * Hatchway was stopped and started again). A host that still runs may serve the task itself.
     */
    private static boolean endable(SessionRecord.Contents contents) {
        return !contents.hostAlive() || contents.hostIsThisJvm();
    }

    /**
     * Ends every task's processes: SIGTERM to every member of their sessions, at most the shutdown
     * wait for them to go, SIGKILL to the rest; each step logged in Hatchway's log. Records of the
     * tasks that ended are removed. Does nothing (and logs nothing) when there is no task. The
     * runc backend has no such step: its containers stay and are recovered.
     */
    @Override
    public void hostExit() {
        if (systems.isEmpty()) {
            return;
        }
        Map<String, ProcessSystem> byId = new HashMap<>();
        Map<String, Map<Integer, Long>> sessions = new LinkedHashMap<>();
        for (ProcessSystem system : systems) {
            byId.put(system.id(), system);
            sessions.put(system.id(), ProcFs.unreusedSessions(system.sessions()));
        }
        for (String id : end("host exit", sessions)) {
            byId.get(id).forget();
        }
    }

    /**
     * SIGTERM to every process of the given sessions, at most {@link #shutdown} for them to go,
     * SIGKILL to what is left, at most {@link #KILL_WAIT} for that, each step logged by task.
     * Bounded by their sum. @return the tasks nothing is left of
     */
    Set<String> end(String why, Map<String, Map<Integer, Long>> sessionsByTask) {
        Set<String> ended = new TreeSet<>(sessionsByTask.keySet());
        long begin = System.nanoTime();
        Map<String, Set<Integer>> left = members(sessionsByTask);
        if (left.isEmpty()) {
            return ended;
        }
        Set<String> signalled = new TreeSet<>(left.keySet());
        left.forEach((task, pids) -> {
            log.info("{}: task '{}': SIGTERM to {}", why, task, pids);
            pids.forEach(pid -> LibC.killQuietly(pid, Signals.SIGTERM));
        });
        left = awaitGone(sessionsByTask, begin + shutdown.toNanos());
        if (!left.isEmpty()) {
            long millis = (System.nanoTime() - begin) / 1_000_000;
            left.forEach((task, pids) -> {
                log.warn("{}: task '{}': SIGKILL to {}, still there {} ms after SIGTERM", why, task, pids, millis);
                pids.forEach(pid -> LibC.killQuietly(pid, Signals.SIGKILL));
            });
            left = awaitGone(sessionsByTask, System.nanoTime() + KILL_WAIT.toNanos());
        }
        long millis = (System.nanoTime() - begin) / 1_000_000;
        for (String task : signalled) {
            if (left.containsKey(task)) {
                log.warn("{}: task '{}': processes {} could not be ended within {} ms; its id stays taken while"
                        + " they live", why, task, left.get(task), millis);
                ended.remove(task);
            } else {
                log.info("{}: task '{}' ended, {} ms after SIGTERM", why, task, millis);
            }
        }
        return ended;
    }

    /** Waits until no process of the sessions is left or {@code deadline} passed. @return what is left, by task */
    private static Map<String, Set<Integer>> awaitGone(Map<String, Map<Integer, Long>> sessionsByTask, long deadline) {
        while (true) {
            Map<String, Set<Integer>> left = members(sessionsByTask);
            if (left.isEmpty() || System.nanoTime() - deadline >= 0) {
                return left;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** The live processes of each task's sessions, in one pass over {@code /proc}; tasks with none left out. */
    private static Map<String, Set<Integer>> members(Map<String, Map<Integer, Long>> sessionsByTask) {
        Map<Integer, Long> all = new HashMap<>();
        Map<Integer, String> taskOfSession = new HashMap<>();
        sessionsByTask.forEach((task, sessions) -> {
            all.putAll(sessions);
            sessions.keySet().forEach(leader -> taskOfSession.put(leader, task));
        });
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        for (int pid : ProcFs.sessionMembers(all)) {
            ProcFs.stat(pid).map(stat -> taskOfSession.get(stat.session())) // empty: gone or left meanwhile
                    .ifPresent(task -> out.computeIfAbsent(task, t -> new TreeSet<>()).add(pid));
        }
        return out;
    }

    /** Releases nothing: the tasks' processes keep running and their records stay for the next start. */
    @Override
    public void close() {
        systems.clear();
    }
}
