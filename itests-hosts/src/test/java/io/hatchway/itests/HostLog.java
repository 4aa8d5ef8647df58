package io.hatchway.itests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server's log reduced to what two boots can be compared on: each line in the server's own
 * format as {@code LEVEL id} (its logger, category or message code), without timestamps, ports,
 * pids or message text.
 */
final class HostLog {
    static final Set<String> WARNING_LEVELS = Set.of("WARN", "WARNING", "ERROR", "SEVERE", "FATAL");
    /**
     * What the JDK itself prints (21 and later) when an agent is loaded into a running JVM: the JDK's
     * line, not Hatchway's and not the host's, left out of the comparison (the README documents it).
     */
    private static final Pattern JDK_DYNAMIC_AGENT_WARNING = Pattern.compile(
            "WARNING: (A Java agent has been loaded dynamically|If a serviceability tool is (not )?in use"
                    + "|Dynamic loading of agents will be disallowed)");

    private HostLog() {
    }

    /** Each line of {@code lines} in the format {@code logLine} as {@code LEVEL id}, in order. */
    static List<String> entries(List<String> lines, Pattern logLine) {
        List<String> entries = new ArrayList<>();
        for (String line : lines) {
            Matcher m = logLine.matcher(line);
            if (m.find() && !JDK_DYNAMIC_AGENT_WARNING.matcher(line).find()) {
                entries.add(m.group("level") + " " + m.group("id") + code(m));
            }
        }
        return entries;
    }

    private static String code(Matcher m) {
        try {
            String code = m.group("code");
            return code == null ? "" : " " + code.substring(0, code.length() - 1);
        } catch (IllegalArgumentException e) { // this format has no message codes
            return "";
        }
    }

    /** The warnings and errors of {@code after} whose {@code LEVEL id} never occurs in {@code before}. */
    static List<String> newWarnings(List<String> before, List<String> after) {
        return after.stream().filter(e -> WARNING_LEVELS.contains(e.substring(0, e.indexOf(' '))))
                .filter(e -> !before.contains(e)).distinct().toList();
    }

    /** How often each {@code LEVEL id} occurs more ({@code +n}) or less ({@code -n}) in {@code after} than in {@code before}. */
    static Map<String, Integer> diff(List<String> before, List<String> after) {
        Map<String, Integer> counts = new TreeMap<>();
        after.forEach(e -> counts.merge(e, 1, Integer::sum));
        before.forEach(e -> counts.merge(e, -1, Integer::sum));
        counts.values().removeIf(n -> n == 0);
        return counts;
    }
}
