package io.hatchway.hcs;

import java.util.NoSuchElementException;

/**
 * The kinds of failure of CONTRACT.md (containerd's {@code errdefs}) plus the two SPEC.md adds.
 * Every operation failure names exactly one of them, at the start of its message.
 */
public enum ErrorKind {
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotImplemented,
    Unavailable,
    DeadlineExceeded,
    PermissionDenied,
    ResourceExhausted;

    /** An error of this kind whose message is {@code String.format(format, args)}. */
    public HatchwayException error(String format, Object... args) {
        return new HatchwayException(this, args.length == 0 ? format : String.format(format, args));
    }

    /**
     * The {@code java.*} exception a remote client sees for a message of this kind (remote clients
     * cannot load Hatchway classes). The message carries the kind; the type is only a hint.
     */
    RuntimeException toJava(String message) {
        return switch (this) {
            case NotFound -> new NoSuchElementException(message);
            case InvalidArgument -> new IllegalArgumentException(message);
            case NotImplemented -> new UnsupportedOperationException(message);
            case PermissionDenied -> new SecurityException(message);
            default -> new IllegalStateException(message);
        };
    }
}
