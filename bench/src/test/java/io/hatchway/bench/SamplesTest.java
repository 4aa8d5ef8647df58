package io.hatchway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic and the ordering the figures rest on; nothing here is timed. */
class SamplesTest {
    @Test
    void percentilesAreNearestRank() {
        Samples s = new Samples("s");
        for (int i = 100; i >= 1; i--) {
            s.add(i * 1_000_000L);
        }
        assertEquals(50.0, s.medianMs());
        assertEquals(90.0, s.p90Ms());
        assertEquals(99.0, s.p99Ms());
        assertEquals(100.0, s.percentileMs(100));
    }

    @Test
    void aRoundStartsWithTheNextContenderAndWarmUpIsDropped() throws Exception {
        List<String> order = new ArrayList<>();
        Map<String, Samples> out = new Alternation()
                .add("a", () -> { order.add("a"); return 1; })
                .add("b", () -> { order.add("b"); return 1; })
                .add("c", () -> { order.add("c"); return 1; })
                .run(1, 2);
        assertEquals(List.of("a", "b", "c", "b", "c", "a", "c", "a", "b"), order);
        assertEquals(2, out.get("a").size());
    }

    @Test
    void aRatioIsHatchwaysMedianOverTheReferences() {
        Figure f = new Figure("f", "x", Figure.Goal.AT_MOST, 1.5, "h", "r");
        f.hatchway = new Samples("h");
        f.reference = new Samples("r");
        for (long v : new long[] {3, 3, 9}) {
            f.hatchway.add(v);
        }
        for (long v : new long[] {2, 2, 1}) {
            f.reference.add(v);
        }
        assertEquals(1.5, f.ratioOfMedians().value().orElseThrow());
        assertEquals(true, f.met().orElseThrow());
    }
}
