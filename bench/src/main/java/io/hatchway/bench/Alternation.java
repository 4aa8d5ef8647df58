package io.hatchway.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs compared commands in alternation, so that drift of the machine (other builds on the same
 * two cores, page cache, thermal state) hits every side alike: round {@code i} runs each contender
 * once, starting with contender {@code i mod n}, so none is always first or always right after the
 * same other one. Warm-up rounds run the same way and are thrown away.
 */
final class Alternation {
    /** One measured action; it returns the nanoseconds of its timed part (set-up and clean-up may sit outside). */
    @FunctionalInterface
    interface Timed {
        long run() throws Exception;
    }

    /** Times {@code action} as a whole. */
    static Timed whole(ThrowingRunnable action) {
        return () -> {
            long start = System.nanoTime();
            action.run();
            return System.nanoTime() - start;
        };
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private final Map<String, Timed> contenders = new LinkedHashMap<>();

    Alternation add(String label, Timed action) {
        contenders.put(label, action);
        return this;
    }

    /** Runs {@code warmup} then {@code rounds} rounds; the samples by label, warm-up left out. */
    Map<String, Samples> run(int warmup, int rounds) throws Exception {
        List<String> labels = new ArrayList<>(contenders.keySet());
        Map<String, Samples> out = new LinkedHashMap<>();
        for (String label : labels) {
            out.put(label, new Samples(label));
        }
        int n = labels.size();
        for (int round = 0; round < warmup + rounds; round++) {
            for (int k = 0; k < n; k++) {
                String label = labels.get((round + k) % n);
                long nanos = contenders.get(label).run();
                if (round >= warmup) {
                    out.get(label).add(nanos);
                }
            }
        }
        return out;
    }
}
