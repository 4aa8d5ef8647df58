package io.hatchway.mbeans;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * The contract suite with {@code isolation: hypervisor} on the windows backend, through the real JNA
 * binding of computecore.dll against its stand-in: every task a Linux container in a utility VM of
 * its own, whose guest agent is hcsshim's real Linux GCS (run by the stand-in in gcs-jail, reached
 * over the GCS bridge) driving real runc. Skips, saying why, without root, runc, cgroup v1, the GCS,
 * the jail or the stand-in; tests that need a process's stdio skip, saying why
 * ({@link Backend.Facts#noStdio}).
 */
class OnWindowsHypervisorTest {
    /** Each test checked its own leftovers; after the suite, nothing of any of them is left either. */
    @AfterAll
    static void nothingLeft() throws IOException {
        TaskFixture.assertNothingLeftOfTheSuite(Backend.WINDOWS_HYPERVISOR);
    }

    @Nested
    class HcsTask extends HcsTaskContract {
        HcsTask() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class TaskShim extends TaskShimContract {
        TaskShim() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class Events extends EventsContract {
        Events() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class Races extends RaceContract {
        Races() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class ExitCodes extends ExitCodesContract {
        ExitCodes() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class BadInput extends BadInputContract {
        BadInput() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }

    @Nested
    class Streams extends StreamsContract {
        Streams() {
            super(Backend.WINDOWS_HYPERVISOR);
        }
    }
}
