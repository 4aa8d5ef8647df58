package io.hatchway.hcs;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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

    /**
     * What went wrong, in words a client may read (SPEC.md, "Errors": never a Java class name nor an
     * exception's {@code toString()}): a contract failure's detail; for a file-system error the file
     * and the OS's reason; otherwise the failure's own message, or its cause's when it only wraps
     * one; "an internal error" when there are no words at all (the log has the rest).
     */
    public static String reason(Throwable failure) {
        if (failure instanceof HatchwayException contract) {
            return contract.detail();
        }
        if (failure instanceof FileSystemException fs) {
            String why = fs.getReason() != null ? fs.getReason() : fileSystemReason(fs);
            return fs.getFile() == null ? why : fs.getFile() + ": " + why;
        }
        String message = failure.getMessage();
        Throwable cause = failure.getCause();
        if (cause != null && cause != failure && (message == null || message.isBlank() || message.equals(cause.toString()))) {
            return reason(cause);
        }
        return message == null || message.isBlank() ? "an internal error" : message;
    }

    private static String fileSystemReason(FileSystemException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "file exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        return "file system error";
    }
}
