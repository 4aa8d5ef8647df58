package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit watcher's inotify: what conmon does to its exit directory is seen, and a close ends the wait. */
class InotifyTest {
    @TempDir
    Path dir;

    @Test
    void aFileWrittenOrRenamedIntoAWatchedDirectoryIsSeenByItsWatch() throws Exception {
        Path quiet = Files.createDirectory(dir.resolve("quiet"));
        Path exits = Files.createDirectory(dir.resolve("exits"));
        try (Inotify inotify = Inotify.open()) {
            int watched = inotify.watch(exits);
            int other = inotify.watch(quiet);
            assertEquals(watched, inotify.watch(exits), "the same directory, the same watch");
            assertEquals(Optional.of(Set.of()), inotify.await(10), "nothing happened yet");

            Files.writeString(exits.resolve("task"), "0"); // conmon's write
            assertEquals(Optional.of(Set.of(watched)), inotify.await(1000));

            Path tmp = Files.writeString(dir.resolve("elsewhere"), "137");
            Files.move(tmp, exits.resolve("other"), StandardCopyOption.ATOMIC_MOVE); // a write then rename
            assertEquals(Optional.of(Set.of(watched)), inotify.await(1000));

            inotify.unwatch(watched);
            Files.writeString(exits.resolve("late"), "1");
            Files.writeString(quiet.resolve("seen"), "1");
            assertEquals(Optional.of(Set.of(other)), inotify.await(1000), "an unwatched directory is not seen");
        }
    }

    @Test
    void aCloseWakesTheWaitingThreadWhichThenFreesTheDescriptors() throws Exception {
        Inotify.open().close(); // JNA loaded first: only the instance's own descriptors are counted
        long before = openDescriptors();
        Inotify inotify = Inotify.open();
        inotify.watch(dir);
        CompletableFuture<Optional<Set<Integer>>> waited = CompletableFuture.supplyAsync(() -> inotify.await(60_000));
        Thread.sleep(100);
        inotify.close();
        assertEquals(Optional.empty(), waited.get(5, TimeUnit.SECONDS), "woken at once, and told it is closed");
        assertEquals(before, openDescriptors(), "the inotify descriptor and the wake-up pipe are closed");
        assertThrows(IOException.class, () -> inotify.watch(dir));
        inotify.unwatch(1); // nothing, once closed
    }

    @Test
    void aMissingDirectoryCannotBeWatched() throws Exception {
        try (Inotify inotify = Inotify.open()) {
            IOException e = assertThrows(IOException.class, () -> inotify.watch(dir.resolve("missing")));
            assertTrue(e.getMessage().contains("missing"), e.getMessage());
        }
    }

    private static long openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
