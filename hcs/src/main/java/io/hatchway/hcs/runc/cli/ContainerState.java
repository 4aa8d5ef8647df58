package io.hatchway.hcs.runc.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * A container as the runtime's {@code state} and {@code list} report it (the OCI runtime-spec
 * state plus runc's extras). {@code status} is one of {@code creating}, {@code created},
 * {@code running}, {@code paused}, {@code stopped}; {@code pid} is the init process's host pid,
 * 0 once it has stopped.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerState(String ociVersion, String id, int pid, String status, String bundle,
        String rootfs, String created, Map<String, String> annotations) {

    public boolean isCreated() {
        return "created".equals(status);
    }

    public boolean isRunning() {
        return "running".equals(status);
    }

    public boolean isStopped() {
        return "stopped".equals(status);
    }
}
