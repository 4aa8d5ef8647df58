package io.hatchway.hcs.runc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.IOException;
import java.util.Set;

/** The OCI {@code process} objects the runc backend hands the runtime, and what it refuses in one. Stateless. */
final class OciProcess {
    /** Process fields an exec takes from the init process when it does not set them (as {@code ctr task exec} does). */
    private static final Set<String> NOT_INHERITED = Set.of("args", "commandLine", "terminal", "consoleSize");

    private OciProcess() {
    }

    /** Refuses a process with a terminal where the runtime runs it attached, without conmon (execInHost). */
    static void checkTerminal(ProcessSpec spec) {
        if (spec.terminal()) {
            throw ErrorKind.NotImplemented.error("terminal: a process in the sandbox runs without a console");
        }
    }

    /** {@code spec}'s OCI process object completed from {@code base}'s fields it leaves out (never its terminal). */
    static ObjectNode exec(ProcessSpec spec, ObjectNode base) {
        ObjectNode process;
        try {
            process = (ObjectNode) Json.MAPPER.readTree(spec.toOciJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        base.properties().forEach(field -> {
            if (!NOT_INHERITED.contains(field.getKey()) && !process.has(field.getKey())) {
                process.set(field.getKey(), field.getValue().deepCopy());
            }
        });
        if (!process.has("cwd")) {
            process.put("cwd", "/");
        }
        process.put("terminal", spec.terminal());
        return process;
    }
}
