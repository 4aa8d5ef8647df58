package io.hatchway.hcs.runc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launch-failure rule against the messages runc 1.1.5 and crun 1.8.1 really print (collected
 * by hand with {@code create}, {@code start} and {@code exec [--detach]} of a busybox bundle:
 * a missing binary by path and by name, a file without the execute bit, a file that is no
 * executable format, a cwd that is missing or a file), and against failures that are not the
 * process's fault.
 */
class LaunchFailureTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            runc create, missing binary   | runc create failed: unable to start container process: exec: "/bin/nope": stat /bin/nope: no such file or directory
            runc create, not on PATH      | runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH
            runc create, not executable   | runc create failed: unable to start container process: exec: "/bin/noexec": permission denied
            runc create, cwd is a file    | runc create failed: unable to start container process: error during container init: mkdir /bin/busybox: not a directory
            runc exec, missing binary     | exec failed: unable to start container process: exec: "/bin/nope": stat /bin/nope: no such file or directory
            runc exec, not on PATH        | exec failed: unable to start container process: exec: "nope": executable file not found in $PATH
            runc exec, not executable     | exec failed: unable to start container process: exec: "/bin/noexec": permission denied
            runc exec, bad format         | exec /bin/badfmt: exec format error
            runc exec, missing cwd        | exec failed: unable to start container process: chdir to cwd ("/nowhere") set in config.json failed: no such file or directory
            runc exec, cwd is a file      | exec failed: unable to start container process: chdir to cwd ("/bin/busybox") set in config.json failed: not a directory
            crun create, missing binary   | executable file `/bin/nope` not found in $PATH: No such file or directory
            crun create, not on PATH      | executable file `nope` not found in $PATH: No such file or directory
            crun create, not executable   | open executable: Permission denied
            crun create, cwd is a file    | chdir `/bin/busybox`: Not a directory
            crun exec, bad format         | exec: Exec format error
            crun exec, missing cwd        | chdir `/nowhere`: No such file or directory
            """)
    void theProcessCouldNotBeLaunched(String where, String message) {
        HatchwayException classified = LaunchFailure.classify(ErrorKind.Unavailable.error("%s", message));
        assertEquals(ErrorKind.InvalidArgument, classified.kind(), where);
        assertEquals(message, classified.detail(), "the runtime's words are kept");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            runc start, no container      | container does not exist
            crun start, no container      | error opening file `/run/hatchway/runtime/crun/t/status`: No such file or directory
            crun create, hybrid cgroups   | cgroups in hybrid mode not supported, drop all controllers from cgroupv2
            runc create, no bundle file   | runc create failed: open /tmp/b/config.json: no such file or directory
            runc exec, container stopped  | exec failed: cannot exec in a stopped container
            runc kill, not running        | container not running
            """)
    void otherFailuresStayAsTheRuntimeSaidThem(String where, String message) {
        HatchwayException error = ErrorKind.Unavailable.error("%s", message);
        assertSame(error, LaunchFailure.classify(error), where);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            NotFound         | exec: "/bin/nope": stat /bin/nope: no such file or directory
            DeadlineExceeded | chdir `/nowhere`: No such file or directory
            """)
    void onlyARuntimeFailureIsReclassified(ErrorKind kind, String message) {
        HatchwayException error = kind.error("%s", message);
        assertSame(error, LaunchFailure.classify(error));
    }
}
