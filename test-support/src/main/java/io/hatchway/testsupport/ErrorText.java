package io.hatchway.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.regex.Pattern;

/**
 * How an error a client reads must not look (SPEC.md, "Errors"): it says what went wrong in words,
 * never with a Java class — a package, an exception type, an object's {@code toString()} such as
 * {@code Request[field=...]} — nor a stack frame.
 */
public final class ErrorText {
    /** Text that shows Java in a message. */
    public static final Pattern JAVA = Pattern.compile(
            // a qualified class name (a JMX domain such as java.lang alone is words), an exception
            // type, a toString() of the Name[field=...] shape, a stack frame
            "\\b[a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*|Exception\\b|\\b[A-Z]\\w*\\[\\w+=|\\tat |\\bat [a-z]+\\.");

    private ErrorText() {
    }

    /** Whether {@code message} shows Java. */
    public static boolean showsJava(String message) {
        return message != null && JAVA.matcher(message).find();
    }

    /** Fails when {@code message} shows Java. */
    public static void assertInWords(String message) {
        assertFalse(showsJava(message), () -> "the message shows Java: " + message);
    }
}
