package io.hatchway.hcs.runc.cli;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.util.regex.Pattern;

/**
 * The one rule for "the runtime could not launch the process": a missing or non-executable
 * binary, a file the kernel cannot execute, a working directory that cannot be entered. Such a
 * failure is the caller's process spec, so InvalidArgument; every other runtime failure stays as
 * the runtime reported it. Every path that launches a process (create under conmon, start, exec
 * under conmon, the runtime's own {@code exec}) classifies with this rule.
 *
 * <p>The patterns follow the runtimes' own words (runc 1.1, crun 1.8; see
 * {@code LaunchFailureTest} for the messages they print):
 * <ul>
 * <li>runc: {@code exec: "<arg0>": stat <arg0>: no such file or directory},
 *     {@code exec: "<arg0>": executable file not found in $PATH},
 *     {@code exec: "<arg0>": permission denied}, {@code exec <arg0>: exec format error},
 *     {@code chdir to cwd ("<cwd>") set in config.json failed: ...},
 *     {@code error during container init: mkdir <cwd>: not a directory};
 * <li>crun: {@code executable file `<arg0>` not found in $PATH: No such file or directory},
 *     {@code open executable: Permission denied}, {@code exec: Exec format error},
 *     {@code chdir `<cwd>`: No such file or directory}.
 * </ul>
 * A bare "no such file or directory" is not enough: crun says that of a container it does not know.
 */
public final class LaunchFailure {
    private static final Pattern PROCESS_ERROR = Pattern.compile("(?i)executable file .*not found"
            + "|exec: .*(no such file or directory|permission denied|exec format error)"
            + "|exec format error"
            + "|open executable: permission denied"
            + "|chdir to cwd|chdir `"
            + "|container init: mkdir .*: not a directory");

    private LaunchFailure() {
    }

    /** Whether the runtime's message says it could not launch the process. */
    public static boolean matches(String message) {
        return PROCESS_ERROR.matcher(message).find();
    }

    /**
     * {@code error} as the caller should see it: InvalidArgument with the same detail when it is an
     * Unavailable failure that {@link #matches} a launch failure, else {@code error} itself (a
     * container that is gone stays NotFound, a timeout DeadlineExceeded).
     */
    public static HatchwayException classify(HatchwayException error) {
        if (error.kind() == ErrorKind.Unavailable && matches(error.detail())) {
            return ErrorKind.InvalidArgument.error("%s", error.detail());
        }
        return error;
    }
}
