package io.hatchway.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Durations of one side of a measurement, in nanoseconds, in the order they were taken.
 * Percentiles are nearest-rank: {@code p99} of 100 samples is the 99th smallest. Not thread-safe
 * except {@link #add}, which is synchronized so concurrent clients can share one.
 */
final class Samples {
    private final String label;
    private final List<Long> nanos = new ArrayList<>();

    Samples(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    synchronized void add(long durationNanos) {
        nanos.add(durationNanos);
    }

    synchronized int size() {
        return nanos.size();
    }

    synchronized long[] sorted() {
        long[] out = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(out);
        return out;
    }

    /** Nearest-rank percentile in milliseconds, {@code p} in (0, 100]; NaN without samples. */
    double percentileMs(double p) {
        long[] s = sorted();
        if (s.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))] / 1e6;
    }

    double medianMs() {
        return percentileMs(50);
    }

    double p90Ms() {
        return percentileMs(90);
    }

    double p99Ms() {
        return percentileMs(99);
    }

    double meanMs() {
        long[] s = sorted();
        return s.length == 0 ? Double.NaN : Arrays.stream(s).average().orElse(0) / 1e6;
    }
}
