package io.hatchway.hcs.runc;

import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What removing a task's container takes, in this order: the runtime's {@code delete} (plain, as
 * containerd's runc shim does; {@code --force} only for a container that would not stop or whose
 * plain delete failed), then what the container leaves on the host: its sandbox, its cgroup, its
 * task directory, its place among the backend's live containers. {@link Container#close} decides
 * when; this says how. Immutable and thread-safe.
 */
record ContainerRemoval(RuncContext context, OciRuntime runtime, String id, TaskDir dir, ContainerCgroup cgroup,
        Optional<Sandbox> sandbox) {
    private static final Logger log = LoggerFactory.getLogger(ContainerRemoval.class);

    /**
     * The runtime's {@code delete}; a container the runtime does not know counts as deleted.
     *
     * @throws HatchwayException of the runtime's kind, {@code task '<id>' not deleted: <its words>},
     *     when even the forced delete was refused; nothing was removed then
     */
    void delete(boolean force) {
        if (!force) {
            try {
                runtime.deleteIfExists(id, false);
                return;
            } catch (HatchwayException e) {
                log.warn("task '{}': {}; forcing it", id, e.getMessage());
            }
        }
        try {
            runtime.deleteIfExists(id, true);
        } catch (HatchwayException e) {
            throw e.kind().error("task '%s' not deleted: %s", id, e.detail());
        }
    }

    /** Drops what {@code container} leaves on the host once the runtime has deleted it, its sandbox included. */
    void release(Container container) {
        sandbox.ifPresent(Sandbox::close);
        cgroup.removeIfEmpty();
        TaskDir.delete(dir.dir());
        context.live().remove(id, container);
    }
}
