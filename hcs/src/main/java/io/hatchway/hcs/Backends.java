package io.hatchway.hcs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the backend the {@code backend} agent option names, among the {@link ComputeBackendProvider}s
 * that {@link ServiceLoader} finds beside this class (in the agent jar's private class loader, not
 * the host's nor the thread's context class loader).
 */
public final class Backends {
    private static final Logger log = LoggerFactory.getLogger(Backends.class);
    /** The name that chooses among the usable backends. */
    public static final String AUTO = "auto";
    /** Backends CONTRACT.md names that this build does not hold: asking for one is Unavailable, not a typo. */
    private static final List<String> NOT_IN_THIS_BUILD = List.of();

    private Backends() {
    }

    /** Every backend of this build, in the order of their {@code META-INF/services} lines. */
    public static List<ComputeBackendProvider> providers() {
        List<ComputeBackendProvider> out = new ArrayList<>();
        ServiceLoader.load(ComputeBackendProvider.class, ComputeBackendProvider.class.getClassLoader())
                .forEach(out::add);
        return out;
    }

    /**
     * {@link #open(String, BackendContext)} with {@link BackendContext#of}'s context: the default
     * host-exit shutdown wait, and threads of an owner of their own (for tests and tools).
     */
    public static ComputeBackend open(String name, Path stateDir) {
        return open(name, BackendContext.of(stateDir));
    }

    /**
     * Opens backend {@code name}, or for {@code auto} the usable backend {@code auto} prefers
     * ({@link ComputeBackendProvider#autoPreference}): with this build's backends, windows on a
     * Windows host where computecore.dll loads, else runc when it is usable here, else crun when it
     * is, else host processes. The choice is made by checks that run
     * nothing, so it is cheap and bounded; a backend that still fails to open is passed over, and
     * why is logged.
     *
     * @throws HatchwayException InvalidArgument for an unknown name, Unavailable for a backend this
     *     build or this host cannot provide (the reason named)
     */
    public static ComputeBackend open(String name, BackendContext context) {
        List<ComputeBackendProvider> providers = providers();
        if (name.equals(AUTO)) {
            return auto(providers, context);
        }
        for (ComputeBackendProvider provider : providers) {
            if (provider.name().equals(name)) {
                return provider.open(context);
            }
        }
        List<String> names = providers.stream().map(ComputeBackendProvider::name).toList();
        if (NOT_IN_THIS_BUILD.contains(name)) {
            throw ErrorKind.Unavailable.error("backend '%s' is not part of this build yet; use %s or '%s'", name,
                    names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ")), AUTO);
        }
        List<String> known = new ArrayList<>();
        known.add(AUTO);
        known.addAll(names);
        NOT_IN_THIS_BUILD.stream().filter(n -> !names.contains(n)).forEach(known::add);
        throw ErrorKind.InvalidArgument.error("backend '%s': must be one of %s", name, String.join(", ", known));
    }

    private static ComputeBackend auto(List<ComputeBackendProvider> providers, BackendContext context) {
        List<String> why = new ArrayList<>();
        List<ComputeBackendProvider> candidates = providers.stream().filter(p -> p.autoPreference() > 0)
                .sorted(Comparator.comparingInt(ComputeBackendProvider::autoPreference).reversed()).toList();
        for (ComputeBackendProvider provider : candidates) {
            Optional<String> reason = provider.unusableReason();
            if (reason.isEmpty()) {
                try {
                    ComputeBackend backend = provider.open(context);
                    if (!why.isEmpty()) {
                        log.info("backend auto: {} ({})", provider.name(), String.join("; ", why));
                    }
                    return backend;
                } catch (HatchwayException e) {
                    reason = Optional.of(e.getMessage());
                }
            }
            why.add(provider.name() + ": " + reason.get());
        }
        throw ErrorKind.Unavailable.error("backend auto: no backend can run here (%s)", String.join("; ", why));
    }
}
