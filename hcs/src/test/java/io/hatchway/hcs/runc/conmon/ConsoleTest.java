package io.hatchway.hcs.runc.conmon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How a line of conmon's k8s-file log becomes the text the process wrote. */
class ConsoleTest {
    private static String text(String line) {
        return new String(LogCopy.textOf(line), StandardCharsets.UTF_8);
    }

    @Test
    void aFullLineGetsItsNewlineBackAndAPartialOneDoesNot() {
        assertEquals("30 100\r\n", text("2026-12-03T15:59:46.412657191+00:00 stdout F 30 100\r"));
        assertEquals("# ", text("2026-12-03T15:59:46.412657191+00:00 stdout P # "));
        assertEquals("\n", text("2026-12-03T15:59:46.412657191+00:00 stdout F "));
        assertEquals("a  b \n", text("2026-12-03T15:59:46.412657191+00:00 stdout F a  b "), "spaces kept as written");
    }

    @Test
    void aLineThatIsNotConmonsGivesNothing() {
        assertEquals("", text("garbage"));
        assertEquals("", text(""));
    }
}
