package io.hatchway.hcs.process;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import java.util.Objects;

/**
 * The embedded default backend: a task is a tree of plain host processes started from the bundle's
 * OCI {@code process}, run as the JVM's own user. It needs no root and no runtime; it cannot
 * isolate, give a process another user, or give it a terminal, and says so instead of ignoring it.
 */
public final class ProcessBackend implements ComputeBackend {
    @Override
    public String name() {
        return "process";
    }

    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        if (options.sandbox()) {
            throw ErrorKind.NotImplemented.error(
                    "isolation 'sandbox': the process backend cannot isolate a task; use backend runc or crun");
        }
        if (!options.runtime().isEmpty()) {
            throw ErrorKind.NotImplemented.error("runtime '%s': the process backend runs no OCI runtime",
                    options.runtime());
        }
        ProcessSystem system = new ProcessSystem(id, bundle);
        system.checkProcess(bundle.process());
        return system;
    }

    @Override
    public void close() {
    }
}
