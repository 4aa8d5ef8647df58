package io.hatchway.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One row of issue 5's table: a named figure, how each side was measured, the samples behind it,
 * its value and its target. A figure is either measured ({@link #value} set), skipped (the machine
 * lacks something, {@link #skip}) or failed (the measurement broke, {@link #fail}); skipped and
 * failed figures say why.
 */
final class Figure {
    /** How the value relates to the target. */
    enum Goal {
        /** value ≤ target. */
        AT_MOST("≤"),
        /** value ≥ target. */
        AT_LEAST("≥");

        final String sign;

        Goal(String sign) {
            this.sign = sign;
        }
    }

    final String name;
    final String unit; // of the value: "x" for a ratio, else ms, MB, KB
    final Goal goal;
    final double target;
    final String hatchwaySide;
    final String referenceSide; // "" when there is none
    Samples hatchway;
    Samples reference;
    private Double value;
    private String skipped;
    private String failed;
    final List<String> notes = new ArrayList<>();
    /**
     * Design alternatives and floors timed in the same alternation (e.g. the same command without
     * conmon, or the protocol's round trips alone), so a missed target shows what limits it.
     */
    final List<Samples> alternatives = new ArrayList<>();
    /** Where the agent's part of this figure's load goes, by phase, and its CPU per exec; null when not profiled. */
    Profile.Breakdown breakdown;

    Figure(String name, String unit, Goal goal, double target, String hatchwaySide, String referenceSide) {
        this.name = name;
        this.unit = unit;
        this.goal = goal;
        this.target = target;
        this.hatchwaySide = hatchwaySide;
        this.referenceSide = referenceSide;
    }

    boolean isRatio() {
        return unit.equals("x");
    }

    /** Sets the value from medians: Hatchway's over the reference's (a ratio) — or any value given. */
    Figure value(double v) {
        this.value = v;
        return this;
    }

    Figure ratioOfMedians() {
        return value(hatchway.medianMs() / reference.medianMs());
    }

    Figure note(String note) {
        notes.add(note);
        return this;
    }

    void skip(String why) {
        if (value == null && failed == null) {
            skipped = why;
        }
    }

    void fail(String why) {
        if (value == null) {
            failed = why;
            skipped = null;
        }
    }

    Optional<Double> value() {
        return Optional.ofNullable(value);
    }

    Optional<String> skipped() {
        return Optional.ofNullable(skipped);
    }

    Optional<String> failed() {
        return Optional.ofNullable(failed);
    }

    /** Not measured at all (nor skipped, nor failed): the suite never reached it. */
    boolean pending() {
        return value == null && skipped == null && failed == null;
    }

    Optional<Boolean> met() {
        return value().map(v -> goal == Goal.AT_MOST ? v <= target : v >= target);
    }
}
