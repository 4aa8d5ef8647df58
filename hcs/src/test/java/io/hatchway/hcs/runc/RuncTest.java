package io.hatchway.hcs.runc;

import io.hatchway.hcs.ComputeSystem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every runc backend test class sets up the same way: a {@link RuncFixture} on the test's
 * temporary directory before each test (which skips it where containers cannot run), closed after
 * it (which fails it when anything of its tasks is left). A subclass opens its backends in a
 * {@code @BeforeEach} of its own, which runs after this one.
 */
abstract class RuncTest {
    @TempDir
    Path dir;

    RuncFixture runc;
    /** The fixture's state directory, its systems and its task ids (see {@link RuncFixture}). */
    Path stateDir;
    List<ComputeSystem> systems;
    List<String> ids;

    @BeforeEach
    void openFixture() {
        runc = RuncFixture.open(dir);
        stateDir = runc.stateDir;
        systems = runc.systems;
        ids = runc.ids;
    }

    @AfterEach
    void closeFixture() throws Exception {
        if (runc != null) {
            runc.close();
        }
    }
}
