package io.hatchway.hcs;

import io.hatchway.hcs.process.ProcessBackend;
import io.hatchway.hcs.runc.RuncBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the backend the {@code backend} agent option names. */
public final class Backends {
    private static final Logger log = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** {@link #open(String, Path)} with the default state directory, {@code ~/.hatchway}. */
    public static ComputeBackend open(String name) {
        return open(name, Path.of(System.getProperty("user.home"), ".hatchway"));
    }

    /** {@link #open(String, Path, Duration)} with the process backend's default host-exit shutdown wait. */
    public static ComputeBackend open(String name, Path stateDir) {
        return open(name, stateDir, ProcessBackend.DEFAULT_HOST_EXIT_SHUTDOWN);
    }

    /**
     * Opens backend {@code name}: {@code process} (host processes), {@code runc} or {@code crun}
     * (containers, state under {@code <stateDir>/runc}), or {@code auto}: runc when it is usable
     * here, else crun when it is, else process. The choice is made by checks that run nothing
     * (root, the binaries, the cgroup layout), so it is cheap and bounded. {@code hostExitShutdown}
     * is how long the process backend's tasks get between SIGTERM and SIGKILL at host exit.
     *
     * @throws HatchwayException InvalidArgument for an unknown name, Unavailable for a backend this
     *     build or this host cannot provide (the reason named)
     */
    public static ComputeBackend open(String name, Path stateDir, Duration hostExitShutdown) {
        return switch (name) {
            case "process" -> new ProcessBackend(stateDir, hostExitShutdown);
            case "runc", "crun" -> RuncBackend.open(RuncBackend.Config.of(name, stateDir.resolve("runc")));
            case "auto" -> auto(stateDir, hostExitShutdown);
            case "windows" -> throw ErrorKind.Unavailable.error(
                    "backend 'windows' is not part of this build yet; use 'process', 'runc', 'crun' or 'auto'");
            default -> throw ErrorKind.InvalidArgument.error(
                    "backend '%s': must be one of auto, process, runc, crun, windows", name);
        };
    }

    private static ComputeBackend auto(Path stateDir, Duration hostExitShutdown) {
        StringBuilder why = new StringBuilder();
        for (String runtime : RuncBackend.RUNTIMES) {
            Optional<String> reason = RuncBackend.unusableReason(runtime);
            if (reason.isEmpty()) {
                try {
                    return RuncBackend.open(RuncBackend.Config.of(runtime, stateDir.resolve("runc")));
                } catch (HatchwayException e) {
                    reason = Optional.of(e.getMessage());
                }
            }
            why.append(why.length() == 0 ? "" : "; ").append(runtime).append(": ").append(reason.get());
        }
        log.info("backend auto: host processes ({})", why);
        return new ProcessBackend(stateDir, hostExitShutdown);
    }
}
