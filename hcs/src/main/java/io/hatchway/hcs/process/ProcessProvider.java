package io.hatchway.hcs.process;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeBackendProvider;
import java.util.Optional;

/** The {@code process} backend ({@link ProcessBackend}): usable wherever the JVM runs, {@code auto}'s last choice. */
public final class ProcessProvider implements ComputeBackendProvider {

    @Override
    public String name() {
        return ProcessBackend.NAME;
    }

    /** Always empty: host processes need no root, no runtime and no cgroup. */
    @Override
    public Optional<String> unusableReason() {
        return Optional.empty();
    }

    /** Below every container backend: {@code auto} runs host processes only when no container backend can run. */
    @Override
    public int autoPreference() {
        return 10;
    }

    /** Records the tasks' sessions under {@code <stateDir>/process}. */
    @Override
    public ComputeBackend open(BackendContext context) {
        return new ProcessBackend(context);
    }
}
