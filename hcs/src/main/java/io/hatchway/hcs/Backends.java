package io.hatchway.hcs;

import io.hatchway.hcs.process.ProcessBackend;

/** Opens the backend the {@code backend} agent option names. */
public final class Backends {
    private Backends() {
    }

    /**
     * {@code auto} picks the best backend usable here; {@code process} forces host processes.
     *
     * @throws HatchwayException InvalidArgument for an unknown name, Unavailable for a backend this
     *     build or this host cannot provide
     */
    public static ComputeBackend open(String name) {
        return switch (name) {
            // auto: runc/crun are chosen here once their backend exists; until then, host processes.
            case "auto", "process" -> new ProcessBackend();
            case "runc", "crun", "windows" -> throw ErrorKind.Unavailable.error(
                    "backend '%s' is not part of this build yet; use 'process' or 'auto'", name);
            default -> throw ErrorKind.InvalidArgument.error(
                    "backend '%s': must be one of auto, process, runc, crun, windows", name);
        };
    }
}
