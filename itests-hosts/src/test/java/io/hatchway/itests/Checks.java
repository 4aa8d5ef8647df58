package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

/**
 * The checks run against one boot, each recorded with its outcome so that one failing check does
 * not hide the others (a server boots once for all of them). {@link #assertAllPassed()} fails
 * naming every failed check.
 */
final class Checks {
    record Outcome(String check, String result) {
        boolean failed() {
            return result.startsWith("FAIL");
        }
    }

    private final String subject;
    private final List<Outcome> outcomes = new ArrayList<>();

    Checks(String subject) {
        this.subject = subject;
    }

    /** Runs {@code body} as check {@code name}. @return whether it passed */
    boolean check(String name, Executable body) {
        try {
            body.execute();
            outcomes.add(new Outcome(name, "PASS"));
            return true;
        } catch (TestAbortedException e) {
            outcomes.add(new Outcome(name, "SKIP: " + e.getMessage()));
        } catch (Throwable e) {
            String message = String.join(" | ", String.valueOf(e.getMessage()).lines().toList());
            outcomes.add(new Outcome(name, "FAIL: " + e.getClass().getSimpleName() + ": "
                    + (message.length() > 600 ? message.substring(0, 600) + "..." : message)));
        }
        return false;
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    String report() {
        StringBuilder out = new StringBuilder(subject).append('\n');
        outcomes.forEach(o -> out.append("  ").append(o.check()).append(": ").append(o.result()).append('\n'));
        return out.toString();
    }

    void assertAllPassed() {
        if (outcomes.stream().anyMatch(Outcome::failed)) {
            fail(report());
        }
    }
}
