package io.hatchway.hcs;

import java.util.Optional;

/**
 * What makes a backend available under a name: one per backend, found through
 * {@link java.util.ServiceLoader} by the line naming its class in
 * {@code META-INF/services/io.hatchway.hcs.ComputeBackendProvider}, so {@link Backends} opens
 * a backend by its name, and chooses one for {@code auto}, without knowing any backend's classes.
 * A new backend is a package plus that line.
 *
 * <p>Implementations have a public no-argument constructor, hold no state and are thread-safe;
 * {@link #name}, {@link #autoPreference} and {@link #unusableReason} never block and never throw.
 */
public interface ComputeBackendProvider {

    /** The backend's name as the {@code backend} agent option spells it ({@code process}, {@code runc}, ...). */
    String name();

    /**
     * Why this backend cannot run on this host, or empty when it can. Checked without running
     * anything (the operating system, the user, installed binaries, mounted file systems), so it is
     * cheap and bounded; {@link #open} may still fail for a reason only opening finds.
     */
    Optional<String> unusableReason();

    /**
     * The backend's place in {@code auto}'s choice: {@code auto} opens the usable backend with the
     * highest preference, trying the next when one fails to open. {@code 0}: never chosen by
     * {@code auto}, only by its name (a backend for tests, or one a user must ask for).
     */
    int autoPreference();

    /**
     * Opens the backend. Blocking only for the backend's own set-up (directories, a watcher
     * thread), bounded.
     *
     * @throws HatchwayException Unavailable naming what this host lacks (the reason
     *     {@link #unusableReason} gives, or one found while opening), InvalidArgument for a
     *     context the backend cannot use
     */
    ComputeBackend open(BackendContext context);
}
