package io.hatchway.hcs.runc;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.runc.cgroup.CgroupFs;
import io.hatchway.hcs.runc.cli.OciRuntime;
import io.hatchway.hcs.runc.conmon.Conmon;
import io.hatchway.hcs.runc.conmon.ExitWatcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parts of one {@link RuncBackend} share, handed to each container, sandbox and the
 * recovery instead of a reference back to the backend: the configuration, the installed
 * runtimes, conmon, the cgroup file systems, the exit watcher, the compute layer's threads and the
 * live containers by task id. Everything in it is thread-safe; the backend owns it and closes the
 * watcher (the threads' owner closes them).
 *
 * @param runtimes the installed runtimes by name, each with its {@code --root} under the state directory
 * @param agentKey the state directory's share of every cgroup name (see {@link RuncBackend#cgroupsPath(Path, String)})
 * @param live the containers of this backend by task id, from create (or recovery) until released
 */
record RuncContext(RuncBackend.Config config, Map<String, OciRuntime> runtimes, Conmon conmon, CgroupFs cgroups,
        ExitWatcher watcher, ComputeThreads threads, String agentKey, Map<String, Container> live) {
    private static final Logger log = LoggerFactory.getLogger(RuncContext.class);
    /** Hex digits of the state directory's hash in a cgroup's name: 48 bits, no collision among a host's agents. */
    private static final int AGENT_KEY_LENGTH = 12;

    /** The cgroup of container {@code containerId} (a task id, or a sandbox's). */
    String cgroupsPath(String containerId) {
        return RuncBackend.CGROUP_PARENT + "/" + agentKey + "-" + containerId;
    }

    /** The directory of every task's {@link TaskDir}. */
    Path tasksDir() {
        return config.stateDir().resolve("tasks");
    }

    TaskDir taskDir(String id) {
        return new TaskDir(tasksDir().resolve(id));
    }

    /** The runtime a task asked for ({@code ""}: the backend's). */
    OciRuntime runtime(String name) {
        String wanted = name.isEmpty() ? config.runtime() : name;
        if (!RuncBackend.RUNTIMES.contains(wanted)) {
            throw ErrorKind.InvalidArgument.error("runtime '%s': must be one of %s", wanted, RuncBackend.RUNTIMES);
        }
        OciRuntime runtime = runtimes.get(wanted);
        if (runtime == null) {
            throw ErrorKind.Unavailable.error("runtime '%s' is not installed", wanted);
        }
        return runtime;
    }

    /**
     * Removes container {@code containerId} if the runtime still has it ({@code delete --force}),
     * then its cgroup when empty: what a failed create, a sandbox's removal and recovery clear.
     */
    void removeContainer(OciRuntime runtime, String containerId) {
        try {
            runtime.deleteIfExists(containerId, true);
        } catch (HatchwayException e) {
            log.warn("container '{}' of {}: not removed: {}", containerId, runtime.name(), e.getMessage());
        }
        cgroups.removeIfEmpty(cgroupsPath(containerId));
    }

    /** The first hex digits of the SHA-256 of the state directory's real path. */
    static String agentKey(Path stateDir) {
        Path path;
        try {
            path = stateDir.toRealPath();
        } catch (IOException e) { // gone already (a test's check after its clean-up): the path as given
            path = stateDir.toAbsolutePath().normalize();
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(path.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, AGENT_KEY_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
