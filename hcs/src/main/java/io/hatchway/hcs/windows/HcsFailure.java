package io.hatchway.hcs.windows;

import io.hatchway.hcs.HatchwayException;

/**
 * An HCS call that failed: the call, its HRESULT and the result document HCS gave with it. Thrown
 * inside this package only, so that a caller may take some codes as an answer (already stopped,
 * not found); what reaches the task layer is {@link #toError}, of the kind the HRESULT maps to
 * ({@link Hresult}).
 */
final class HcsFailure extends RuntimeException {
    private final String call;
    private final int hresult;
    private final String document;

    HcsFailure(String call, int hresult, String document) {
        super(call + ": " + Hresult.describe(hresult), null, false, false);
        this.call = call;
        this.hresult = hresult;
        this.document = document;
    }

    int hresult() {
        return hresult;
    }

    /** The error a user reads: {@code <Kind>: <what> (<call>): HRESULT 0x... (NAME): HCS's text}. */
    HatchwayException toError(String format, Object... args) {
        String what = args.length == 0 ? format : String.format(format, args);
        return Hresult.error(what + " (" + call + ")", hresult, document);
    }

    /** hcsshim's {@code isStatsNotFound}: the system is gone, stopping, or its handle closed. */
    boolean systemGone() {
        return Hresult.isNotExist(hresult) || Hresult.isInvalidState(hresult) || Hresult.isAccessDenied(hresult)
                || Hresult.isInvalidHandle(hresult);
    }

    /** hcsshim's {@code IsAlreadyStopped}. */
    boolean alreadyStopped() {
        return Hresult.isAlreadyStopped(hresult);
    }
}
