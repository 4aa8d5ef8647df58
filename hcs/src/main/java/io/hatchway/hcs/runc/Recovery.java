package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.TaskOptions.Isolation;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.linux.ProcessStreams;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.runc.TaskDir.TaskRecord;
import io.hatchway.hcs.runc.cli.ContainerState;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a backend started again on a state directory does first: find the tasks a previous one
 * left, and remove what no task owns. Reads the task directories ({@link TaskDir}), asks the
 * runtime for each container's state and conmon's records for each process; never starts
 * anything. One pass per object; the backend calls it from {@link RuncBackend#recover}.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final RuncContext context;
    private final RuncBackend.Config config;
    private final Map<String, OciRuntime> runtimes;
    private final Map<String, Container> live;

    Recovery(RuncContext context) {
        this.context = context;
        this.config = context.config();
        this.runtimes = context.runtimes();
        this.live = context.live();
    }

    /** {@link RuncBackend#recover}: the tasks found, each container no task owns removed. */
    List<RecoveredSystem> recover() {
        List<RecoveredSystem> out = new ArrayList<>();
        Path tasks = context.tasksDir();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks, Files::isDirectory)) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString();
                if (live.containsKey(id)) {
                    continue;
                }
                try {
                    recover(new TaskDir(dir)).ifPresent(out::add);
                } catch (RuntimeException e) {
                    log.warn("task '{}': not recovered: {}", id, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("recovery: cannot list {}: {}", tasks, e.toString());
        }
        for (OciRuntime runtime : runtimes.values()) {
            if (!Files.isDirectory(runtime.root())) {
                continue;
            }
            try {
                for (ContainerState container : runtime.list()) {
                    String owner = container.id().endsWith(Sandbox.SUFFIX)
                            ? container.id().substring(0, container.id().length() - Sandbox.SUFFIX.length())
                            : container.id();
                    Container task = live.get(owner);
                    if (task == null || task.runtime() != runtime) {
                        log.info("recovery: removing container '{}' of {}: no task owns it", container.id(),
                                runtime.name());
                        removeContainer(runtime, container.id());
                    }
                }
            } catch (HatchwayException e) {
                log.warn("recovery: {}", e.getMessage());
            }
        }
        return out;
    }

    private Optional<RecoveredSystem> recover(TaskDir dir) {
        String id = dir.dir().getFileName().toString();
        Optional<TaskRecord> found = dir.readTask().filter(r -> r.id().equals(id));
        if (found.isEmpty()) {
            log.info("recovery: removing half-made task '{}' (no record)", id);
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        TaskRecord record = found.get();
        OciRuntime runtime = runtimes.get(record.runtime());
        if (runtime == null) {
            log.warn("recovery: task '{}' runs on {}, which is not installed; left as it is", id, record.runtime());
            return Optional.empty();
        }
        awaitLaunches(dir);
        ContainerState state;
        try {
            state = runtime.state(id);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e;
            }
            log.info("recovery: removing task '{}': its container is gone", id);
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        Optional<Monitor> monitor = Monitor.recorded(dir.init());
        // A container still created whose conmon is gone was left by an agent that died in its
        // createTask (conmon exits when it cannot report the pid): that create never answered, and
        // a start would run a process nobody monitors.
        if (state.status() == null || state.status().equals("creating") || monitor.isEmpty()
                || (state.isCreated() && !monitor.get().monitorAlive())) {
            log.info("recovery: removing half-made task '{}' ({})", id, state.status());
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        ObjectNode spec;
        try {
            spec = (ObjectNode) Json.MAPPER.readTree(dir.bundle().resolve("config.json").toFile());
        } catch (IOException | ClassCastException e) {
            log.info("recovery: removing task '{}': its spec is unreadable ({})", id, e.toString());
            removeHalfMade(dir, id);
            return Optional.empty();
        }
        ObjectNode process = spec.withObjectProperty("process");
        Optional<Sandbox> sandbox = record.sandbox()
                ? Sandbox.recover(context, runtime, id, dir.sandbox(), process) : Optional.empty();
        boolean started = !state.isCreated();
        List<MonitorDir> execDirs = execDirs(dir);
        int execCount = execDirs.stream().mapToInt(d -> Integer.parseInt(d.dir().getFileName().toString()))
                .max().orElse(0);
        Container container = new Container(context, runtime, dir, record, process, sandbox, monitor.get(), started,
                execCount, context.conmon().resume(dir.init(), dir.bundle(), record.stdio()).map(ProcessStreams.class::cast));
        live.put(id, container);

        List<RecoveredSystem.Process> execs = new ArrayList<>();
        for (MonitorDir execDir : execDirs) {
            Optional<TaskDir.ExecRecord> exec = TaskDir.readExec(execDir);
            Optional<Monitor> execMonitor = Monitor.recorded(execDir);
            if (exec.isEmpty() || execMonitor.isEmpty()) { // the launch never got as far as a process
                TaskDir.delete(execDir.dir());
                continue;
            }
            ContainerProcess tracked = container.track(execDir, execMonitor.get(), exec.get().stdio());
            if (exec.get().execId() != null && !exec.get().execId().isEmpty()) {
                execs.add(new RecoveredSystem.Process(exec.get().execId(), spec(exec.get().process()),
                        exec.get().stdio(), Optional.of(tracked)));
            }
        }
        RecoveredSystem.Process init = new RecoveredSystem.Process("", spec(process), record.stdio(),
                started ? Optional.of(container.init()) : Optional.empty());
        TaskOptions options = new TaskOptions(record.sandbox() ? Isolation.SANDBOX : Isolation.NONE,
                record.runtime().equals(config.runtime()) ? Map.of()
                        : Map.of(RuncBackend.RUNTIME_OPTION, record.runtime()));
        log.info("recovery: task '{}' found ({}, {} exec(s))", id, state.status(), execs.size());
        return Optional.of(new RecoveredSystem(id, bundle(record, dir), options, container, init, execs));
    }

    /**
     * Lets the conmons an agent killed during createTask or an exec's start left launching finish
     * first (bounded by the command timeout), so the task and its execs are judged as they end up.
     */
    private void awaitLaunches(TaskDir dir) {
        Monitor.awaitLaunch(dir.init(), config.commandTimeout());
        for (MonitorDir exec : execDirs(dir)) {
            Monitor.awaitLaunch(exec, config.commandTimeout());
        }
    }

    private static List<MonitorDir> execDirs(TaskDir dir) {
        List<MonitorDir> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir.execs(),
                p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : dirs) {
                out.add(new MonitorDir(p));
            }
        } catch (IOException e) { // no execs
        }
        return out;
    }

    private static ProcessSpec spec(JsonNode process) {
        return ProcessSpec.parse(Json.write(process));
    }

    /** The caller's bundle, or the backend's copy of its spec when the caller's is gone. */
    private static Bundle bundle(TaskRecord record, TaskDir dir) {
        try {
            return Bundle.load(record.bundle());
        } catch (HatchwayException e) {
            return Bundle.load(dir.bundle().toString());
        }
    }

    /** Removes whatever a task directory may have made: containers, mounts, cgroups, the directory. */
    private void removeHalfMade(TaskDir dir, String id) {
        for (OciRuntime runtime : runtimes.values()) {
            removeContainer(runtime, id + Sandbox.SUFFIX);
            removeContainer(runtime, id);
        }
        Mounts.unmountAll(dir.dir());
        TaskDir.delete(dir.dir());
    }

    private void removeContainer(OciRuntime runtime, String containerId) {
        try {
            runtime.kill(containerId, Signals.SIGKILL, true);
        } catch (HatchwayException e) { // gone or not running
        }
        context.removeContainer(runtime, containerId);
    }
}
