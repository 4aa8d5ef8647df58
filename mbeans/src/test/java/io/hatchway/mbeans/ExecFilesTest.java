package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An exec's files go with its delete, after the answer, and never take a new exec's of the same id with them. */
class ExecFilesTest {
    private static final ProcessSpec SPEC = ProcessSpec.parse("{\"args\": [\"/bin/true\"], \"cwd\": \"/\"}");

    @TempDir
    Path stateDir;

    @Test
    void aDeletedExecsFilesAreOutOfItsIdsWayAtOnceAndGoLater() throws Exception {
        Path dir = stateDir.resolve("e1");
        ExecFiles old = ExecFiles.create(dir, SPEC, Optional.empty());
        Files.writeString(dir.resolve("stdout.log"), "old output\n");
        List<Runnable> later = new ArrayList<>();

        old.delete(later::add);
        assertFalse(Files.exists(dir), "the id's directory is gone when the delete returns");
        assertEquals(1, later.size(), "the removal itself waits for later");

        ExecFiles reused = ExecFiles.create(dir, SPEC, Optional.empty()); // the same id, created at once
        Files.writeString(dir.resolve("stdout.log"), "new output\n");
        later.forEach(Runnable::run);

        assertEquals("new output\n", reused.keptStdout(), "the new exec's files are left alone");
        try (var left = Files.list(stateDir)) {
            assertEquals(List.of(dir), left.toList(), "nothing else is left of the old exec");
        }
    }

    @Test
    void gravesAnAgentLeftAreSwept() throws Exception {
        Path dir = stateDir.resolve("e1");
        ExecFiles.create(dir, SPEC, Optional.empty()).delete(work -> { }); // the agent stopped before the removal
        Path keep = Files.createDirectory(stateDir.resolve("e2"));
        ExecFiles.sweepGraves(stateDir);
        try (var left = Files.list(stateDir)) {
            assertEquals(List.of(keep), left.toList());
        }
        ExecFiles.sweepGraves(stateDir.resolve("missing")); // no state directory: nothing to do
        assertTrue(Files.isDirectory(keep));
    }
}
