package io.hatchway.hcs.linux;

import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.oci.ProcessSpec.Problem;
import java.util.Optional;

/**
 * What a Linux target (a host process, a runc or crun container) can take of what a caller hands
 * it: which signals, what a process and a path look like. The answers are facts of the platform,
 * not errors: each Linux backend turns a refusal into the contract's error in its
 * {@code checkSignal}, {@code checkProcess} and {@code share}, through the one message for it
 * ({@link io.hatchway.hcs.Signals#check}, {@link ProcessSpec#check},
 * {@link io.hatchway.hcs.ComputeSystem#checkSharePaths}), so users read the same words on every backend.
 */
public final class LinuxTarget {
    private LinuxTarget() {
    }

    /** Whether a Linux process takes {@code signal}: 1–31, by number. */
    public static boolean takesSignal(int signal) {
        return signal >= 1 && signal <= 31;
    }

    /**
     * What stops a Linux target from running {@code spec}, if anything: it needs a command in
     * {@code args} (a spec's Windows {@code commandLine} does not stand in for it) and, when the spec
     * names one, an absolute POSIX working directory.
     */
    public static Optional<Problem> processProblem(ProcessSpec spec) {
        if (spec.args().isEmpty() || spec.args().get(0).isEmpty()) {
            return Optional.of(new Problem("args", "missing command"));
        }
        String cwd = spec.workingDirectory().orElse("/");
        if (!isAbsolute(cwd)) {
            return Optional.of(new Problem("cwd", "'" + cwd + "' is not an absolute path"));
        }
        return Optional.empty();
    }

    /** Whether {@code path} is an absolute POSIX path (null is not). */
    public static boolean isAbsolute(String path) {
        return path != null && path.startsWith("/");
    }
}
