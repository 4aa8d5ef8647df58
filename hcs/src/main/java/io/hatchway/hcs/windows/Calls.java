package io.hatchway.hcs.windows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.windows.ComputeCore.HCS_OPERATION;
import java.time.Duration;
import java.util.function.ToIntFunction;

/**
 * HCS calls made bounded: each asynchronous call waits for its operation at most its bound (then
 * the operation is cancelled, as hcsshim's {@code runOperation} does, and the caller reads
 * DeadlineExceeded); a failure is thrown as an {@link HcsFailure}.
 */
final class Calls {
    /** A property query, a signal, a modify: HCS answers these in milliseconds. */
    static final Duration CALL = Duration.ofSeconds(30);
    /** Creating or starting a compute system (hcsshim's {@code timeout.SystemCreate}, {@code SystemStart}). */
    static final Duration SYSTEM = Duration.ofMinutes(4);

    private Calls() {
    }

    /** @return the result document (null when the call returns none) */
    static String run(HcsLibrary library, String call, Duration bound, ToIntFunction<HCS_OPERATION> start) {
        return checked(call, bound, Operations.run(library, millis(bound), start)).document();
    }

    /** As {@link #run}, the whole result. */
    static Operations.Result runResult(HcsLibrary library, String call, Duration bound, ToIntFunction<HCS_OPERATION> start) {
        return checked(call, bound, Operations.run(library, millis(bound), start));
    }

    /** For the calls whose result is an {@code HCS_PROCESS_INFORMATION}. */
    static Operations.Result runWithProcessInfo(HcsLibrary library, String call, Duration bound,
            ToIntFunction<HCS_OPERATION> start) {
        return checked(call, bound, Operations.runWithProcessInfo(library, millis(bound), start));
    }

    private static Operations.Result checked(String call, Duration bound, Operations.Result result) {
        if (result.hresult() == ComputeCore.HCS_E_OPERATION_TIMEOUT) {
            throw ErrorKind.DeadlineExceeded.error("%s: no answer from the Host Compute Service within %d ms"
                    + " (the operation was cancelled)", call, bound.toMillis());
        }
        if (!result.succeeded()) {
            throw new HcsFailure(call, result.hresult(), result.document());
        }
        return result;
    }

    private static int millis(Duration bound) {
        return (int) Math.min(bound.toMillis(), Integer.MAX_VALUE - 1L);
    }
}
