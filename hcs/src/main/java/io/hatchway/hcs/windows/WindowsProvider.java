package io.hatchway.hcs.windows;

import com.sun.jna.Platform;
import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeBackendProvider;
import io.hatchway.hcs.ErrorKind;
import java.util.Optional;

/**
 * The {@code windows} backend ({@link WindowsBackend}): usable on Windows where
 * {@code computecore.dll} loads, and there {@code auto}'s first choice. Elsewhere only with a
 * library standing in for it named by {@value HcsLibrary#LIBRARY_PROPERTY} (the tests' stand-in),
 * and only by its name: {@code auto} never picks a stand-in.
 */
public final class WindowsProvider implements ComputeBackendProvider {

    @Override
    public String name() {
        return "windows";
    }

    /** {@link HcsLibrary#unavailableReason()}: not Windows and no stand-in, or a library that does not load. */
    @Override
    public Optional<String> unusableReason() {
        return Optional.ofNullable(HcsLibrary.unavailableReason());
    }

    /** Above every other backend on Windows, where it is the only one that runs containers; never chosen elsewhere. */
    @Override
    public int autoPreference() {
        return Platform.isWindows() ? 40 : 0;
    }

    @Override
    public ComputeBackend open(BackendContext context) {
        HcsLibrary library = HcsLibrary.get().orElseThrow(() -> ErrorKind.Unavailable.error("backend 'windows': %s",
                HcsLibrary.unavailableReason()));
        return new WindowsBackend(library, context.stateDir(), context.hostExitShutdown(), context.threads());
    }
}
