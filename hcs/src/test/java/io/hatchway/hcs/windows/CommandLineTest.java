package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

    /** Each rule of Go's {@code windows.EscapeArg}; the expected text is written out, {@code |} for a tab, {@code ~} a newline. */
    @ParameterizedTest(name = "[{0}] → [{1}]")
    @CsvSource(delimiter = ';', quoteCharacter = '\'', value = {
        "'';                 '\"\"'",                 // empty → two quotes
        "abc;                abc",                    // nothing to do
        "a b;                '\"a b\"'",              // a space quotes
        "a|b;                '\"a|b\"'",              // so does a tab
        "a\"b;               'a\\\"b'",               // a quote is escaped
        "\";                 '\\\"'",
        "a\\b;               'a\\b'",                 // a backslash alone stays
        "a\\\\b;             'a\\\\b'",
        "a\\\"b;             'a\\\\\\\"b'",           // a backslash before a quote doubles, then the quote is escaped
        "a\\\\\"b;           'a\\\\\\\\\\\"b'",       // two backslashes before a quote: four, then \"
        "C:\\dir\\;          'C:\\dir\\'",            // trailing backslash without a space stays single
        "C:\\my dir\\;       '\"C:\\my dir\\\\\"'",   // with a space it doubles before the closing quote
        "C:\\my dir\\\\;     '\"C:\\my dir\\\\\\\\\"'",
        "say \"hi\";         '\"say \\\"hi\\\"\"'",
        "a~b;                'a~b'",                  // other whitespace is not quoted (that is ComposeCommandLine's)
        "grüße;              grüße",                  // non-ASCII passes through
        "日本 語;             '\"日本 語\"'",
        "\\\\server\\share;  '\\\\server\\share'",
    })
    void escapesAsEscapeArg(String arg, String expected) {
        assertEquals(expected, CommandLine.escape(arg.replace('|', '\t').replace('~', '\n')).replace('\t', '|').replace('\n', '~'));
    }

    @Test
    void joinsEveryArgumentTheProgramIncludedWithSpaces() {
        assertEquals("cmd /c \"echo hello\"", CommandLine.of(List.of("cmd", "/c", "echo hello")));
        assertEquals("\"C:\\Program Files\\app.exe\" \"\" x", CommandLine.of(List.of("C:\\Program Files\\app.exe", "", "x")));
        assertEquals("", CommandLine.of(List.of()));
    }

    /** What Windows' C runtime reads back (arguments after the program name), for any argv we write. */
    @Test
    void windowsParsesBackWhatWeWrote() {
        Random random = new Random(42);
        String alphabet = "ab \t\\\"é";
        for (int round = 0; round < 2000; round++) {
            List<String> args = new ArrayList<>();
            args.add("prog");
            for (int a = random.nextInt(4); a >= 0; a--) {
                StringBuilder arg = new StringBuilder();
                for (int c = random.nextInt(7); c > 0; c--) {
                    arg.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                args.add(arg.toString());
            }
            String line = CommandLine.of(args);
            assertEquals(args, parse(line), line);
        }
    }

    /**
     * Microsoft's rules for arguments ("Parsing C command-line arguments"): whitespace outside quotes
     * separates; 2n backslashes before a quote give n and the quote toggles quoting; 2n+1 give n and
     * a literal quote; other backslashes are literal; {@code ""} is an empty argument.
     */
    private static List<String> parse(String line) {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean inArg = false;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!quoted && (c == ' ' || c == '\t')) {
                if (inArg) {
                    args.add(arg.toString());
                    arg.setLength(0);
                    inArg = false;
                }
                continue;
            }
            inArg = true;
            if (c == '\\') {
                int run = 0;
                while (i < line.length() && line.charAt(i) == '\\') {
                    run++;
                    i++;
                }
                if (i < line.length() && line.charAt(i) == '"') {
                    arg.append("\\".repeat(run / 2));
                    if (run % 2 == 1) {
                        arg.append('"');
                    } else {
                        quoted = !quoted;
                    }
                } else {
                    arg.append("\\".repeat(run));
                    i--;
                }
            } else if (c == '"') {
                quoted = !quoted;
            } else {
                arg.append(c);
            }
        }
        if (inArg) {
            args.add(arg.toString());
        }
        return args;
    }
}
