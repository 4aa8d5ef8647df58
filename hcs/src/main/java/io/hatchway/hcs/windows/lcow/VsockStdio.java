package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The one rule for a process's stdio in a utility VM: the guest agent dials the host over vsock for
 * each stream (VsockStdioRelaySettings), and this build has no relay on the host's side of those
 * ports. So a process there runs without stdin and its output is not relayed (its files are
 * made, as on every backend, and stay empty); one that names a stdin file is refused with NotImplemented, a capability this build lacks
 * (not Unavailable: nothing transient that a retry would mend).
 */
final class VsockStdio {
    private VsockStdio() {
    }

    /** @throws io.hatchway.hcs.HatchwayException NotImplemented for a spec naming a stdin file */
    static void check(ProcessSpec spec) {
        refuse(spec.stdin());
    }

    /**
     * Makes the output files (a FIFO is left alone: opening it would wait for its reader).
     *
     * @throws io.hatchway.hcs.HatchwayException NotImplemented for streams with a stdin file;
     *     InvalidArgument for an output file that cannot be made, as on every backend
     */
    static void check(Stdio stdio) {
        refuse(stdio.stdin().map(Object::toString));
        make("stdout", stdio.stdout());
        make("stderr", stdio.stderr());
    }

    private static void make(String stream, Path file) {
        if (file.equals(Stdio.DEV_NULL) || Files.exists(file) && !Files.isRegularFile(file)) {
            return;
        }
        try {
            Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    .close();
        } catch (IOException e) {
            throw ErrorKind.InvalidArgument.error("%s %s: cannot open: %s", stream, file, HatchwayException.reason(e));
        }
    }

    private static void refuse(Optional<String> stdin) {
        if (stdin.isPresent()) {
            throw ErrorKind.NotImplemented.error("stdin '%s': a process in a utility VM gets its stdio over vsock, "
                    + "which this build does not relay", stdin.get());
        }
    }
}
