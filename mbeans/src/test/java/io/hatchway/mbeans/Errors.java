package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.testsupport.ErrorText;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.function.Executable;

/** How a contract failure must look to its caller. */
final class Errors {
    private Errors() {
    }

    /**
     * Runs {@code call} and checks it failed with {@code kind}: a message starting with
     * {@code "<kind>: "} that shows no Java ({@link ErrorText}), and, through JMX, a {@code java.*}
     * exception of the kind's type (NotFound → NoSuchElementException, InvalidArgument →
     * IllegalArgumentException, NotImplemented → UnsupportedOperationException, others →
     * IllegalStateException). Called on the Java objects
     * directly the failure is a {@link HatchwayException} of that kind.
     *
     * @return the message, for checks of its text
     */
    static String assertKind(ErrorKind kind, Executable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        assertTrue(e.getMessage() != null && e.getMessage().startsWith(kind + ": "),
                () -> "expected a " + kind + " failure, got " + e);
        ErrorText.assertInWords(e.getMessage());
        if (e instanceof HatchwayException contract) {
            assertEquals(kind, contract.kind(), contract::toString);
        } else {
            assertTrue(e.getClass().getName().startsWith("java."), () -> "not a java.* exception: " + e);
            assertInstanceOf(javaType(kind), e, e::toString);
        }
        return e.getMessage();
    }

    static Class<? extends RuntimeException> javaType(ErrorKind kind) {
        return switch (kind) {
            case NotFound -> NoSuchElementException.class;
            case InvalidArgument -> IllegalArgumentException.class;
            case NotImplemented -> UnsupportedOperationException.class;
            case PermissionDenied -> SecurityException.class;
            default -> IllegalStateException.class;
        };
    }
}
