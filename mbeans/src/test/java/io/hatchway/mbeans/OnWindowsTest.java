package io.hatchway.mbeans;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * The contract suite on the windows backend, through the real JNA binding of computecore.dll against
 * its stand-in (hcs's test build makes {@code libcomputecore.so}; without it every test is skipped,
 * saying so): every task is a process-isolated container of HCS documents, whose processes the
 * stand-in runs as host processes.
 */
class OnWindowsTest {
    /** Each test checked its own leftovers; after the suite, nothing of any of them is left either. */
    @AfterAll
    static void nothingLeft() throws IOException {
        TaskFixture.assertNothingLeftOfTheSuite(Backend.WINDOWS);
    }

    @Nested
    class HcsTask extends HcsTaskContract {
        HcsTask() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class TaskShim extends TaskShimContract {
        TaskShim() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class Events extends EventsContract {
        Events() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class Races extends RaceContract {
        Races() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class ExitCodes extends ExitCodesContract {
        ExitCodes() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class BadInput extends BadInputContract {
        BadInput() {
            super(Backend.WINDOWS);
        }
    }

    @Nested
    class Streams extends StreamsContract {
        Streams() {
            super(Backend.WINDOWS);
        }
    }
}
