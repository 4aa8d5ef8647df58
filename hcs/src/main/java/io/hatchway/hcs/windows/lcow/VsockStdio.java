package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.util.Optional;

/**
 * The one rule for a process's stdio in a utility VM: the guest agent dials the host over vsock for
 * each stream (VsockStdioRelaySettings), and this build has no relay on the host's side of those
 * ports. So a process there runs without stdin and its output is not relayed (its files stay
 * empty); one that names a stdin file is refused with NotImplemented, a capability this build lacks
 * (not Unavailable: nothing transient that a retry would mend).
 */
final class VsockStdio {
    private VsockStdio() {
    }

    /** @throws io.hatchway.hcs.HatchwayException NotImplemented for a spec naming a stdin file */
    static void check(ProcessSpec spec) {
        refuse(spec.stdin());
    }

    /** @throws io.hatchway.hcs.HatchwayException NotImplemented for streams with a stdin file */
    static void check(Stdio stdio) {
        refuse(stdio.stdin().map(Object::toString));
    }

    private static void refuse(Optional<String> stdin) {
        if (stdin.isPresent()) {
            throw ErrorKind.NotImplemented.error("stdin '%s': a process in a utility VM gets its stdio over vsock, "
                    + "which this build does not relay", stdin.get());
        }
    }
}
