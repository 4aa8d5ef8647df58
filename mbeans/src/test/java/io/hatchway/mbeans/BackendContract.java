package io.hatchway.mbeans;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class of the contract suite: its tests hold for every backend and run on the one a subclass
 * names (the nested classes of {@link OnProcessTest} and {@link OnRuncTest}), each test with a
 * Hatchway of its own. Where a backend legitimately behaves otherwise, the test says so at the
 * check, with the reason (the backend's profile, {@link Backend}, names those places).
 */
abstract class BackendContract {
    final Backend backend;
    @TempDir
    Path tempDir;
    TaskFixture hatchway;

    BackendContract(Backend backend) {
        this.backend = backend;
    }

    @BeforeEach
    void startHatchway() {
        hatchway = new TaskFixture(backend, tempDir);
    }

    @AfterEach
    void stopHatchway() {
        if (hatchway != null) { // null when the backend cannot run here and the test was skipped
            hatchway.close();
        }
    }
}
