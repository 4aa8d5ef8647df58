package io.hatchway.hcs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** A failure's reason as a client reads it: the OS's words and the file, never a Java class name. */
class HatchwayExceptionTest {
    @Test
    void fileSystemErrorsNameTheFileAndTheOsReason() {
        assertEquals("/x/out: no such file or directory", HatchwayException.reason(new NoSuchFileException("/x/out")));
        assertEquals("/x: permission denied", HatchwayException.reason(new AccessDeniedException("/x")));
        assertEquals("/x: No space left on device",
                HatchwayException.reason(new FileSystemException("/x", null, "No space left on device")));
        assertEquals("Is a directory", HatchwayException.reason(new IOException("Is a directory")));
    }

    @Test
    void wrappersGiveTheirCausesWords() {
        assertEquals("/x: no such file or directory",
                HatchwayException.reason(new UncheckedIOException(new NoSuchFileException("/x"))));
        assertEquals("/x: no such file or directory",
                HatchwayException.reason(new IllegalStateException(new NoSuchFileException("/x"))));
        assertEquals("no pids", HatchwayException.reason(ErrorKind.NotFound.error("no pids")));
    }

    @Test
    void aFailureWithoutWordsIsAnInternalError() {
        assertEquals("an internal error", HatchwayException.reason(new NullPointerException()));
        assertEquals("an internal error", HatchwayException.reason(new IllegalStateException(" ")));
    }
}
