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

    /** Refuses a process with a terminal: conmon runs in passthrough mode, which has no console. */
    static void checkTerminal(ProcessSpec spec) {
        if (spec.terminal()) {
            throw ErrorKind.NotImplemented.error(
                    "terminal: the runc backend runs processes without a console (conmon passes their output straight to files)");
        }
    }

    /** {@code spec}'s OCI process object completed from {@code base}'s fields it leaves out; never a terminal. */
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
        process.put("terminal", false);
        return process;
    }
}
