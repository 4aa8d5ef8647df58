package io.hatchway.mbeans;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.Library;
import io.hatchway.hcs.linux.Jna;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.HcsLibrary;
import io.hatchway.hcs.windows.Operations;
import io.hatchway.hcs.windows.Utf16;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * What {@link Backend#WINDOWS} needs of its own: the stand-in for {@code computecore.dll} (hcs's
 * test build makes it; {@code hatchway.computecore.library} names it), bundles with
 * {@code windows.layerFolders}, and the check that no compute system of a test's tasks is left in
 * it.
 */
final class WindowsProfile {
    /** Every task id of this JVM's tests, for {@link #assertNothingLeftOfTheSuite}. */
    private static final Set<String> TASK_IDS = ConcurrentHashMap.newKeySet();

    private WindowsProfile() {
    }

    static void assumeUsable() {
        String library = System.getProperty(HcsLibrary.LIBRARY_PROPERTY);
        Assumptions.assumeTrue(library != null && Files.isRegularFile(Path.of(library)),
                "the computecore.dll stand-in is not built (hcs's test build makes hcs/target/standin/libcomputecore.so"
                        + " with the C compiler; " + HcsLibrary.LIBRARY_PROPERTY + " = " + library + ")");
        Assumptions.assumeTrue(HcsLibrary.get().isPresent(), () -> "the computecore.dll stand-in does not load: "
                + HcsLibrary.unavailableReason());
    }

    /**
     * A Windows bundle: the process, and {@code windows.layerFolders} of two empty directories (a
     * parent layer, then the scratch layer) beside {@code config.json}.
     */
    static Path writeBundle(Path dir, ObjectNode process) {
        try {
            Path base = Files.createDirectories(dir.resolve("layers/base"));
            Path scratch = Files.createDirectories(dir.resolve("layers/scratch"));
            ObjectNode config = Json.MAPPER.createObjectNode().put("ociVersion", "1.0.2");
            config.set("process", process);
            ArrayNode layers = config.putObject("windows").putArray("layerFolders");
            layers.add(base.toAbsolutePath().toString()).add(scratch.toAbsolutePath().toString());
            return Bundles.writeConfig(dir, config.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stand-in's test-only count of what a caller must close or free (operations, handles, pipes, documents). */
    interface StandIn extends Library {
        int StandInOpenHandles();
    }

    private static StandIn standIn;

    private static synchronized StandIn standIn() {
        if (standIn == null) {
            standIn = Jna.load(System.getProperty(HcsLibrary.LIBRARY_PROPERTY), StandIn.class);
        }
        return standIn;
    }

    /**
     * No compute system of the test's tasks is left, and every operation, system and process
     * handle, pipe and result document the backend got is closed or freed (the relays close their
     * pipes as their streams end, so this is awaited).
     */
    static Optional<Throwable> leftovers(Set<String> taskIds) {
        TASK_IDS.addAll(taskIds);
        List<String> left = systems(taskIds);
        if (!left.isEmpty()) {
            return Optional.of(new AssertionError("compute systems left in the stand-in: " + left));
        }
        try {
            TaskFixture.eventually("every HCS handle, pipe and result document is closed")
                    .until(() -> standIn().StandInOpenHandles() == 0);
            return Optional.empty();
        } catch (RuntimeException | AssertionError e) {
            return Optional.of(e);
        }
    }

    static void assertNothingLeftOfTheSuite() {
        if (HcsLibrary.get().isPresent()) {
            List<String> left = systems(TASK_IDS);
            if (!left.isEmpty()) {
                throw new AssertionError("compute systems left in the stand-in after the suite: " + left);
            }
        }
    }

    /** The ids among {@code taskIds} of the compute systems the stand-in holds ({@code HcsEnumerateComputeSystems}). */
    private static List<String> systems(Set<String> taskIds) {
        HcsLibrary library = HcsLibrary.get().orElseThrow();
        Operations.Result result;
        try (Utf16 query = Utf16.of("{}")) {
            result = Operations.run(library, 5_000, operation -> library.core().HcsEnumerateComputeSystems(query, operation));
        }
        if (!result.succeeded()) {
            throw new AssertionError(String.format("HcsEnumerateComputeSystems: HRESULT 0x%08X %s", result.hresult(),
                    result.document()));
        }
        List<String> out = new ArrayList<>();
        try {
            for (var system : Json.MAPPER.readTree(result.document())) {
                String id = system.path("Id").asText();
                if (taskIds.contains(id)) {
                    out.add(id);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
