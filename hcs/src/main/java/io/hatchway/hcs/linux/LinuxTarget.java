package io.hatchway.hcs.linux;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.oci.ProcessSpec;

/**
 * The rules of CONTRACT.md that every Linux backend (host processes, runc and crun containers)
 * applies to what a caller hands it: which signals a Linux process takes, what a process and a
 * path look like. Each backend calls them from its {@code checkSignal}, {@code checkProcess} (and
 * wherever else it takes a process) and {@code share}; a backend for another
 * platform has rules of its own. Unlike the platform access beside it, these checks answer with
 * the contract's error kinds, since their messages are what users read.
 */
public final class LinuxTarget {
    private LinuxTarget() {
    }

    /** Linux targets take signals 1–31 by number. @throws io.hatchway.hcs.HatchwayException FailedPrecondition otherwise */
    public static void checkSignal(int signal) {
        if (signal < 1 || signal > 31) {
            throw Signals.invalid(signal);
        }
    }

    /**
     * A Linux process has a command in {@code args} (a spec's Windows {@code commandLine} does not
     * stand in for it) and, when it names one, an absolute POSIX working directory.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument {@code <what>.args: missing command}
     *     or {@code <what>.cwd: '<cwd>' is not an absolute path}
     */
    public static void checkProcess(ProcessSpec spec) {
        if (spec.args().isEmpty() || spec.args().get(0).isEmpty()) {
            throw spec.invalid("args", "missing command");
        }
        String cwd = spec.workingDirectory().orElse("/");
        if (!cwd.startsWith("/")) {
            throw spec.invalid("cwd", "'%s' is not an absolute path", cwd);
        }
    }

    /**
     * A share's two paths are absolute POSIX paths, checked before anything else about the share.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument {@code hostPath '<path>': not an
     *     absolute path} (or {@code guestPath ...}), also for a missing path
     */
    public static void checkSharePaths(String hostPath, String guestPath) {
        checkAbsolute("hostPath", hostPath);
        checkAbsolute("guestPath", guestPath);
    }

    private static void checkAbsolute(String what, String path) {
        if (path == null || !path.startsWith("/")) {
            throw ErrorKind.InvalidArgument.error("%s '%s': not an absolute path", what, path);
        }
    }
}
