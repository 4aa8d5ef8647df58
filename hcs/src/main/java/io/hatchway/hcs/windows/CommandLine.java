package io.hatchway.hcs.windows;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A Windows command line from an argv, by the rules Windows' C runtime parses it back with
 * ({@code CommandLineToArgvW}), exactly as hcsshim builds one: every argument, the program name
 * included, through Go's {@code windows.EscapeArg}, joined with single spaces
 * ({@code internal/cmd/cmd.go escapeArgs}).
 *
 * <p>{@code EscapeArg}'s rules: an empty argument becomes {@code ""}; a backslash is doubled only
 * where a double quote follows it; a double quote becomes {@code \"}; and the argument is wrapped
 * in double quotes only when it holds a space or a tab, in which case the backslashes before the
 * closing quote are doubled too. Nothing else is quoted (hcsshim does not use
 * {@code ComposeCommandLine}, which would also quote other whitespace in the program name). Go
 * walks bytes and Java chars, which gives the same result: no byte of a non-ASCII character is a
 * space, tab, quote or backslash.
 */
public final class CommandLine {
    private CommandLine() {
    }

    /** {@code args} as one command line. */
    public static String of(List<String> args) {
        return args.stream().map(CommandLine::escape).collect(Collectors.joining(" "));
    }

    /** One argument as {@code EscapeArg} writes it. */
    public static String escape(String arg) {
        Objects.requireNonNull(arg);
        if (arg.isEmpty()) {
            return "\"\"";
        }
        boolean quote = arg.indexOf(' ') >= 0 || arg.indexOf('\t') >= 0;
        if (!quote && arg.indexOf('"') < 0) {
            return arg; // backslashes only matter before a quote
        }
        StringBuilder out = new StringBuilder(arg.length() + 8);
        if (quote) {
            out.append('"');
        }
        int backslashes = 0;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c == '\\') {
                backslashes++;
            } else if (c == '"') {
                out.append("\\".repeat(backslashes + 1)); // double the run, then escape the quote
                backslashes = 0;
            } else {
                backslashes = 0;
            }
            out.append(c);
        }
        if (quote) {
            out.append("\\".repeat(backslashes)).append('"');
        }
        return out.toString();
    }
}
