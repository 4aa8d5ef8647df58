package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.linux.ProcessStreams;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.runc.TaskDir.TaskRecord;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import io.hatchway.hcs.runc.conmon.Console;
import io.hatchway.hcs.runc.conmon.Monitor;
import io.hatchway.hcs.runc.conmon.OutputCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How one task's container is made ({@link RuncBackend#create}): the id checked free under every
 * runtime root and in the cgroup tree, the task's record written first (so recovery finds a
 * half-made task), the sandbox when asked for, the bundle's spec rewritten with the root file
 * system and the cgroup, then the runtime's {@code create} under conmon. A failure at any step
 * removes what the earlier steps made. One object per create; the backend's state it touches is
 * its context's, which is thread-safe.
 */
final class ContainerCreate {
    private final RuncContext context;
    private final String id;
    private final TaskDir dir;
    private final String cgroupsPath;

    ContainerCreate(RuncContext context, String id) {
        this.context = context;
        this.id = id;
        this.dir = context.taskDir(id);
        this.cgroupsPath = context.cgroupsPath(id);
    }

    /** See {@link RuncBackend#create}. */
    Container create(Bundle bundle, TaskOptions options, Stdio initStdio) {
        OciRuntime runtime = context.runtime(options.option(RuncBackend.RUNTIME_OPTION));
        bundle.process().check(LinuxTarget::processProblem);
        ObjectNode spec = bundle.config();
        Path rootfs = rootfs(bundle, spec);
        checkFree(runtime);

        TaskRecord record = new TaskRecord(id, bundle.dir().toString(), runtime.name(), options.sandbox(),
                cgroupsPath, initStdio.stdin().map(Path::toString).orElse(null), initStdio.stdout().toString(),
                initStdio.stderr().toString(), Instant.now().toString());
        boolean created = false;
        Sandbox sandbox = null;
        try {
            dir.writeTask(record);
            ObjectNode process = (ObjectNode) spec.get("process");
            for (String ours : List.of("stdin", "stdout", "stderr")) {
                process.remove(ours);
            }
            if (options.sandbox()) {
                sandbox = Sandbox.create(context, runtime, id, dir.sandbox(), spec, rootfs);
                sandbox.join(spec);
            }
            spec.withObjectProperty("root").put("path", rootfs.toString());
            spec.withObjectProperty("linux").put("cgroupsPath", cgroupsPath);
            TaskDir.write(dir.bundle().resolve("config.json"), spec);
            Files.createDirectories(initStdio.stdout().getParent());
            Files.createDirectories(initStdio.stderr().getParent());
            ProcessStreams streams;
            Monitor monitor;
            if (bundle.process().terminal()) {
                Console console = context.conmon().console(dir.init(), dir.bundle(), initStdio, "create of " + id);
                streams = console;
                monitor = context.conmon().create(runtime, id, dir.bundle(), dir.init(),
                        context.conmon().open(Conmon.ownStdio(initStdio), "create of " + id), console);
            } else if (initStdio.capped()) { // conmon holds the cap: its log, followed into the files
                OutputCopy output = context.conmon().output(dir.init(), initStdio, "create of " + id);
                streams = output;
                monitor = context.conmon().create(runtime, id, dir.bundle(), dir.init(),
                        context.conmon().open(Conmon.ownStdio(initStdio), "create of " + id), output);
            } else {
                ChildStdio stdio = context.conmon().open(initStdio, "create of " + id);
                streams = stdio;
                monitor = context.conmon().create(runtime, id, dir.bundle(), dir.init(), stdio);
            }
            created = true;
            Container container = new Container(context, runtime, dir, record, process, Optional.ofNullable(sandbox),
                    monitor, false, 0, Optional.of(streams));
            context.live().put(id, container);
            return container;
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("task '%s': writing its state under %s: %s", id, dir.dir(),
                    HatchwayException.reason(e));
        } finally {
            if (!created) {
                if (sandbox != null) {
                    sandbox.close();
                }
                discard(runtime);
            }
        }
    }

    /** The bundle's root file system, which must be a directory. */
    private static Path rootfs(Bundle bundle, ObjectNode spec) {
        JsonNode root = spec.path("root").path("path");
        if (!root.isTextual() || root.asText().isEmpty()) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json has no root.path", bundle);
        }
        Path rootfs = bundle.dir().resolve(root.asText()).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': root file system '%s' is not a directory", bundle,
                    rootfs);
        }
        return rootfs;
    }

    /** Refuses an id the runtime or the cgroup tree already uses; clears a dead predecessor's leftovers. */
    private void checkFree(OciRuntime runtime) {
        if (context.live().containsKey(id)) {
            throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
        }
        // The runtime's own test (runc and crun refuse a create when <root>/<id> exists), without
        // running it: a `state` command cost about a tenth of createTask + start in the benchmark.
        // Under every runtime's root: a task's state directory is per id, whichever runtime runs it.
        for (OciRuntime any : context.runtimes().values()) {
            if (Files.exists(any.root().resolve(id), LinkOption.NOFOLLOW_LINKS)) {
                throw ErrorKind.AlreadyExists.error("container '%s' already exists in %s (under %s)", id, any.name(),
                        any.root());
            }
        }
        TaskDir.delete(dir.dir());
        if (context.cgroups().exists(cgroupsPath)) {
            context.cgroups().removeIfEmpty(cgroupsPath);
            if (context.cgroups().exists(cgroupsPath)) {
                throw ErrorKind.AlreadyExists.error("cgroup %s is in use by processes outside Hatchway's %s root",
                        cgroupsPath, runtime.name());
            }
        }
    }

    /** Removes what a failed create may have made: the container, its cgroup, its state. */
    private void discard(OciRuntime runtime) {
        context.removeContainer(runtime, id);
        TaskDir.delete(dir.dir());
    }
}
