package io.hatchway.hcs.memory;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeBackendProvider;
import java.util.Optional;

/**
 * The {@code memory} backend ({@link MemoryBackend}), for tests: registered by a
 * {@code META-INF/services} line of hcs's test resources, so {@code Backends.open("memory", ...)}
 * opens it wherever hcs's test jar is on the class path. Never chosen by {@code auto}.
 */
public final class MemoryProvider implements ComputeBackendProvider {

    @Override
    public String name() {
        return MemoryBackend.NAME;
    }

    @Override
    public Optional<String> unusableReason() {
        return Optional.empty();
    }

    /** 0: only a test that names it gets it. */
    @Override
    public int autoPreference() {
        return 0;
    }

    @Override
    public ComputeBackend open(BackendContext context) {
        return new MemoryBackend();
    }
}
