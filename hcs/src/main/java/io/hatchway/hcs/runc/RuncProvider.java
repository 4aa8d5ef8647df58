package io.hatchway.hcs.runc;

import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeBackendProvider;
import java.util.Optional;

/**
 * The {@code runc} and {@code crun} backends: one {@link RuncBackend} whose default runtime is the
 * provider's, state under {@code <stateDir>/runc} for both (a task may name the other runtime
 * through its {@code runtime} option). {@code auto} prefers runc, then crun, to host processes.
 */
public abstract sealed class RuncProvider implements ComputeBackendProvider permits RuncProvider.Runc, RuncProvider.Crun {
    private final String runtime;
    private final int autoPreference;

    private RuncProvider(String runtime, int autoPreference) {
        this.runtime = runtime;
        this.autoPreference = autoPreference;
    }

    @Override
    public String name() {
        return runtime;
    }

    /** {@link RuncBackend#unusableReason}: root, the runtime, conmon, a cgroup layout the runtime takes. */
    @Override
    public Optional<String> unusableReason() {
        return RuncBackend.unusableReason(runtime);
    }

    @Override
    public int autoPreference() {
        return autoPreference;
    }

    @Override
    public ComputeBackend open(BackendContext context) {
        return RuncBackend.open(RuncBackend.Config.of(runtime, context.stateDir().resolve("runc")), context.threads());
    }

    /** runc: {@code auto}'s first choice. */
    public static final class Runc extends RuncProvider {
        public Runc() {
            super("runc", 30);
        }
    }

    /** crun: {@code auto}'s choice where runc cannot run. */
    public static final class Crun extends RuncProvider {
        public Crun() {
            super("crun", 20);
        }
    }
}
