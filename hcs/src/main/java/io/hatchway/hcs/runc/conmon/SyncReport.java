package io.hatchway.hcs.runc.conmon;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import io.hatchway.hcs.runc.cli.RuntimeOutput;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.io.IOException;

/** conmon's report on its sync pipe: one JSON line, {@code {"data": <pid>}}, or -1 and a message. */
final class SyncReport {
    private SyncReport() {
    }

    /**
     * The pid in conmon's report {@code line} of launch {@code what}; a report of a failure throws
     * the runtime's own reason (its log in {@code dir} first): InvalidArgument when the process
     * cannot be launched (missing binary, bad cwd), else Unavailable.
     */
    static int pid(String line, MonitorDir dir, String what, OciRuntime runtime) {
        String message = "";
        if (line != null && !line.isBlank()) {
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(line);
            } catch (IOException e) {
                throw ErrorKind.Unavailable.error("conmon: %s: unexpected report '%s'", what, line.strip());
            }
            int data = node.path("data").asInt(-1);
            if (data > 0) {
                return data;
            }
            message = node.path("message").asText("");
        }
        String reason = RuntimeOutput.lastError(dir.runtimeLog()).orElse(message.strip());
        if (reason.isEmpty()) {
            reason = "conmon exited without reporting a pid";
        }
        ErrorKind kind = LaunchFailure.matches(reason) ? ErrorKind.InvalidArgument : ErrorKind.Unavailable;
        throw kind.error("%s %s: %s", runtime.name(), what, reason);
    }
}
