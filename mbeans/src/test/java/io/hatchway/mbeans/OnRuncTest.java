package io.hatchway.mbeans;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * The contract suite on the runc backend: every task is a runc container under conmon, in a busybox
 * root file system. Each test is skipped, saying why, without root, runc, conmon or a static
 * busybox (the fixture checks, per test: a skip of this outer class would not reach the reports).
 * After each test and after the suite: no container in Hatchway's runc root, no cgroup of a test's
 * task, no mount under a test's state directory, no conmon working for it, no zombie child of the
 * JVM.
 */
class OnRuncTest {
    /** Each test checked its own leftovers; after the suite, nothing of any of them is left either. */
    @AfterAll
    static void nothingLeft() throws IOException {
        TaskFixture.assertNothingLeftOfTheSuite(Backend.RUNC);
    }

    @Nested
    class HcsTask extends HcsTaskContract {
        HcsTask() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class TaskShim extends TaskShimContract {
        TaskShim() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class Events extends EventsContract {
        Events() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class Races extends RaceContract {
        Races() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class ExitCodes extends ExitCodesContract {
        ExitCodes() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class BadInput extends BadInputContract {
        BadInput() {
            super(Backend.RUNC);
        }
    }

    @Nested
    class Streams extends StreamsContract {
        Streams() {
            super(Backend.RUNC);
        }
    }
}
