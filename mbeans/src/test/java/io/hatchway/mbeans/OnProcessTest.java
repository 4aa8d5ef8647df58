package io.hatchway.mbeans;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/** The contract suite on the process backend: every task is a tree of host processes. */
class OnProcessTest {
    /** Each test checked its own leftovers; after the suite, nothing of any of them is left either. */
    @AfterAll
    static void nothingLeft() throws IOException {
        TaskFixture.assertNothingLeftOfTheSuite(Backend.PROCESS);
    }
    @Nested
    class HcsTask extends HcsTaskContract {
        HcsTask() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class TaskShim extends TaskShimContract {
        TaskShim() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class Events extends EventsContract {
        Events() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class Races extends RaceContract {
        Races() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class ExitCodes extends ExitCodesContract {
        ExitCodes() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class BadInput extends BadInputContract {
        BadInput() {
            super(Backend.PROCESS);
        }
    }

    @Nested
    class Streams extends StreamsContract {
        Streams() {
            super(Backend.PROCESS);
        }
    }
}
