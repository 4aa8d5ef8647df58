package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a command: on a PATH string in order, or as a path of its own. */
class PathSearchTest {
    @TempDir
    Path tmp;

    private Path file(String path, String permissions) throws IOException {
        Path file = tmp.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void aBareNameIsLookedUpInEachPathDirectoryInOrder() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        String path = a + "::" + b; // an empty entry is skipped, as the runtimes do
        assertEquals(List.of(a.resolve("tool"), b.resolve("tool")), PathSearch.candidates("tool", path, tmp));
        file("a/tool", "rw-r--r--");
        Path found = file("b/tool", "rwxr-xr-x");
        assertEquals(Optional.of(found), PathSearch.firstExecutable(PathSearch.candidates("tool", path, tmp)),
                "a file without the execute bit is passed over");
    }

    @Test
    void aNameWithASlashIsAPathFromTheBase() throws IOException {
        Path found = file("work/bin/tool", "rwxr-xr-x");
        assertEquals(List.of(tmp.resolve("work/bin/tool")), PathSearch.candidates("bin/tool", "/usr/bin", tmp.resolve("work")));
        assertEquals(Optional.of(found), PathSearch.firstExecutable(List.of(found)));
        assertEquals(Optional.empty(), PathSearch.firstExecutable(List.of(tmp.resolve("work/bin"))), "a directory is no program");
    }

    @Test
    void theHostsProgramsAreFoundOnTheSystemDirectories() {
        assertTrue(PathSearch.onHost("sh").filter(Files::isExecutable).isPresent(), "every Linux host has a sh");
        assertEquals(Optional.empty(), PathSearch.onHost("no-such-program-anywhere"));
    }
}
