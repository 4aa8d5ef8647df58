package io.hatchway.hcs;

import java.util.Objects;

/**
 * A contract failure: its {@link ErrorKind} and a message that starts with the kind and a colon,
 * e.g. {@code NotFound: exec: 'x' in task: 't' not found}.
 */
public final class HatchwayException extends RuntimeException {
    private final ErrorKind kind;
    private final String detail;

    public HatchwayException(ErrorKind kind, String detail) {
        super(Objects.requireNonNull(kind) + ": " + detail, null, false, false);
        this.kind = kind;
        this.detail = detail;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The message without its kind prefix, for wrapping into another error. */
    public String detail() {
        return detail;
    }

    /**
     * This error as a plain {@code java.*} exception with the same message and no stack trace,
     * safe to hand to a remote client.
     */
    public RuntimeException toJava() {
        RuntimeException e = kind.toJava(getMessage());
        e.setStackTrace(new StackTraceElement[0]);
        return e;
    }
}
