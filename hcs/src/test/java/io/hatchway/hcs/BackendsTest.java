package io.hatchway.hcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.sun.jna.Platform;
import io.hatchway.hcs.runc.RuncBackend;
import io.hatchway.hcs.windows.HcsLibrary;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backends are found through their {@code META-INF/services} lines, and chosen by name or by {@code auto}. */
class BackendsTest {
    @TempDir
    Path dir;

    @Test
    void everyBackendOfTheBuildIsFoundInTheOrderOfItsServiceLines() {
        List<String> names = Backends.providers().stream().map(ComputeBackendProvider::name).toList();
        assertEquals(List.of("process", "runc", "crun", "windows"),
                names.stream().filter(List.of("process", "runc", "crun", "windows")::contains).toList(),
                "the build's backends: " + names);
    }

    @Test
    void aBackendOpensByItsName() {
        try (ComputeBackend backend = Backends.open("process", dir)) {
            assertEquals("process", backend.name());
        }
    }

    @Test
    void anUnknownNameIsRefusedNamingTheKnownOnes() {
        HatchwayException e = assertThrows(HatchwayException.class, () -> Backends.open("nope", dir));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertTrue(e.getMessage().startsWith("InvalidArgument: backend 'nope': must be one of auto, "), e.getMessage());
        assertTrue(e.getMessage().contains("process, runc, crun") && e.getMessage().endsWith(", windows"), e.getMessage());
    }

    /** Off Windows the windows backend runs only against a stand-in named by a property, and never for auto. */
    @Test
    void windowsOffWindowsNeedsAStandInAndIsNeverAutosChoice() {
        assumeFalse(Platform.isWindows(), "on Windows computecore.dll itself is the backend's library");
        ComputeBackendProvider windows = Backends.providers().stream().filter(p -> p.name().equals("windows"))
                .findFirst().orElseThrow();
        assertEquals(0, windows.autoPreference());
        if (System.getProperty(HcsLibrary.LIBRARY_PROPERTY) == null) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> Backends.open("windows", dir));
            assertEquals(ErrorKind.Unavailable, e.kind());
            assertTrue(e.getMessage().startsWith("Unavailable: backend 'windows': the Host Compute Service"
                    + " (computecore.dll) exists only on Windows"), e.getMessage());
            assertEquals(e.getMessage().substring("Unavailable: backend 'windows': ".length()),
                    windows.unusableReason().orElseThrow());
        }
    }

    /** runc where it can run, else crun where it can, else host processes; never a backend auto may not choose. */
    @Test
    void autoChoosesTheUsableBackendItPrefers() {
        String expected = RuncBackend.unusableReason("runc").isEmpty() ? "runc"
                : RuncBackend.unusableReason("crun").isEmpty() ? "crun" : "process";
        try (ComputeBackend backend = Backends.open("auto", dir)) {
            assertEquals(expected, backend.name());
        }
    }
}
