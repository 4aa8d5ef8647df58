package io.hatchway.hcs.runc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a runtime said when it failed, read without a runtime. */
class RuntimeOutputTest {
    @Test
    void messagesAreTakenFromJsonAndLogfmtLines() {
        assertEquals("container does not exist", RuntimeOutput.message(
                "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"2026-01-01T00:00:00Z\"}\n"));
        assertEquals("cannot delete container t6 that is not stopped: running", RuntimeOutput.message(
                "time=\"2026-01-01T00:00:00Z\" level=error msg=\"cannot delete container t6 that is not stopped: running\""));
        assertEquals("error opening file `/r/x/status`: No such file or directory", RuntimeOutput.message(
                "{\"msg\":\"error opening file `/r/x/status`: No such file or directory\",\"level\":\"error\"}\n"
                        + "error opening file `/r/x/status`: No such file or directory\n"));
        assertEquals("plain words", RuntimeOutput.message("  plain words \n\n"));
        assertEquals("", RuntimeOutput.message("{\"level\":\"warning\",\"msg\":\"just saying\"}"));
    }

    @Test
    void theLastErrorOfALogIsItsLastErrorLine(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("log.json");
        Files.writeString(log, "{\"level\":\"error\",\"msg\":\"first\"}\nnot json\n"
                + "{\"level\":\"error\",\"msg\":\"exec failed: no such file\"}\n{\"level\":\"info\",\"msg\":\"bye\"}\n");

        assertEquals(Optional.of("exec failed: no such file"), RuntimeOutput.lastError(log));
        assertEquals(Optional.empty(), RuntimeOutput.lastError(dir.resolve("missing.json")));
    }
}
