package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.ProcessStreams;
import io.hatchway.hcs.linux.ProcFs;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.TaskDir.ExecRecord;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import io.hatchway.hcs.runc.conmon.Console;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import io.hatchway.hcs.runc.conmon.OutputCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execs of one container: each under its own conmon, with its state in
 * {@code execs/<n>/} of the task's directory (its process object, {@link ExecRecord}, conmon's
 * pid and exit files), numbered from 1 in launch order. Thread-safe; the container checks its
 * own state before a launch.
 */
final class ContainerExecs {
    private static final Logger log = LoggerFactory.getLogger(ContainerExecs.class);

    private final RuncContext context;
    private final OciRuntime runtime;
    private final TaskDir dir;
    private final String taskId;
    private final ObjectNode initProcess;
    private final AtomicInteger count;
    /** The streams the JVM serves for execs that run. */
    private final Set<ProcessStreams> served = ConcurrentHashMap.newKeySet();

    /** @param count the number of the last exec launched (recovery starts after those found) */
    ContainerExecs(RuncContext context, OciRuntime runtime, TaskDir dir, String taskId, ObjectNode initProcess,
            int count) {
        this.context = context;
        this.runtime = runtime;
        this.dir = dir;
        this.taskId = taskId;
        this.initProcess = initProcess;
        this.count = new AtomicInteger(count);
    }

    /**
     * Launches {@code spec} (its fields left out taken from the init process) with the runtime's
     * {@code exec} under conmon, and returns once the process runs its command.
     *
     * @param execId the task layer's id of the exec, recorded for recovery
     * @throws HatchwayException as {@link Conmon#exec} says; nothing is
     *     left of a failed launch
     */
    ContainerProcess launch(String execId, ProcessSpec spec, Stdio stdio) {
        MonitorDir monitorDir = dir.exec(Integer.toString(count.incrementAndGet()));
        ObjectNode process = OciProcess.exec(spec, initProcess);
        try {
            TaskDir.writeExec(monitorDir, new ExecRecord(execId, stdio.stdin().map(Path::toString).orElse(null),
                    stdio.stdout().toString(), stdio.stderr().toString(), null), process);
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("exec in task '%s': writing %s: %s", taskId, monitorDir.dir(),
                    HatchwayException.reason(e));
        }
        Monitor monitor;
        ProcessStreams streams;
        String what = "exec in " + taskId;
        try {
            if (spec.terminal()) {
                Console console = context.conmon().console(monitorDir, monitorDir.dir(), stdio, what);
                streams = console;
                monitor = context.conmon().exec(runtime, taskId, dir.bundle(), monitorDir,
                        context.conmon().open(Conmon.ownStdio(stdio), what), console);
            } else if (stdio.capped()) { // conmon holds the cap: its log, followed into the files
                OutputCopy output = context.conmon().output(monitorDir, stdio, what);
                streams = output;
                monitor = context.conmon().exec(runtime, taskId, dir.bundle(), monitorDir,
                        context.conmon().open(Conmon.ownStdio(stdio), what), output);
            } else {
                ChildStdio files = context.conmon().open(stdio, what);
                streams = files;
                monitor = context.conmon().exec(runtime, taskId, dir.bundle(), monitorDir, files);
            }
        } catch (HatchwayException e) {
            monitorDir.delete();
            throw e;
        }
        ContainerProcess tracked = track(monitorDir, monitor, Optional.of(streams));
        awaitExec(tracked.pid());
        return tracked;
    }

    /**
     * Waits (at most a second, in practice well under a millisecond) until process {@code pid} has
     * exec'd its command. The runtime's {@code start} and {@code exec --detach} return while the
     * process is still the runtime's own init code ({@code runc:[2:INIT]}, {@code crun}), with the
     * runtime's name and environment, or half way through its execve; from the caller's return on
     * it is what the caller asked for. (A command whose name starts with the runtime's costs that
     * second.)
     */
    void awaitExec(int pid) {
        ProcFs.awaitExec(pid, s -> !s.command().startsWith(runtime.name()), Duration.ofSeconds(1));
    }

    /**
     * Follows an exec's exit. Its state directory, exit status included, stays until the task
     * layer releases the process (its exec is deleted) or the task goes: an agent started again
     * finds an exec that exited and was not deleted yet with its real status.
     */
    ContainerProcess track(MonitorDir monitorDir, Monitor monitor, Optional<ProcessStreams> streams) {
        CompletableFuture<Long> exit = context.watcher().exitOf(monitorDir.exitFile(taskId), monitor);
        streams.ifPresent(served::add);
        ContainerProcess process = ContainerProcess.exec(monitor, exit, () -> keepExitDir(monitorDir),
                () -> exit.whenCompleteAsync((code, error) -> monitorDir.delete(), context.threads().background()),
                streams);
        process.exited().whenComplete((code, error) -> streams.ifPresent(served::remove));
        return process;
    }

    /** The agent lets go of the execs' streams (see {@link ProcessStreams#detach}). */
    void detach() {
        served.forEach(ProcessStreams::detach);
    }

    /**
     * Makes sure conmon can write the exit status of a process about to be signalled: its exit
     * directory is made again when the state directory was removed under a running task.
     */
    void keepExitDir(MonitorDir monitorDir) {
        if (Files.isDirectory(monitorDir.exitDir())) {
            return;
        }
        try {
            Files.createDirectories(monitorDir.exitDir());
            log.warn("task '{}': {} was removed; made again so that its exit status can be written", taskId,
                    monitorDir.exitDir());
        } catch (IOException e) {
            log.warn("task '{}': {} was removed and cannot be made again ({}): an exit will read as unknown", taskId,
                    monitorDir.exitDir(), e.toString());
        }
    }
}
