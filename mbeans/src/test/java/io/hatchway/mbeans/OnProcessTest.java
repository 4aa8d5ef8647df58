package io.hatchway.mbeans;

import org.junit.jupiter.api.Nested;

/** The contract suite on the process backend: every task is a tree of host processes. */
class OnProcessTest {
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
