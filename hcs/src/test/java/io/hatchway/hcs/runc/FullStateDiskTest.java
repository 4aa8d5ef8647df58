package io.hatchway.hcs.runc;

import static io.hatchway.testsupport.BusyboxBundle.assumeContainersWork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.testsupport.BusyboxBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exit statuses do not depend on free space: with the state directory on a small tmpfs filled to
 * the last byte, an exec that ends reports its own status (conmon writes it outside the state
 * directory), whether its output goes elsewhere or, capped, onto that disk too. Needs root (the
 * tmpfs, the containers); skips otherwise.
 */
class FullStateDiskTest {
    @TempDir
    Path dir;

    @Test
    void anExecThatEndsWhileTheStateDiskIsFullReportsItsOwnStatus() throws Exception {
        execOnAFullStateDisk(false);
    }

    /**
     * Its output capped and kept on the full disk (conmon logs it, the JVM copies it): the writes
     * that find no room are dropped, and neither conmon nor the process is held up or ended by them.
     */
    @Test
    void anExecWritingCappedOutputIntoAFullStateDiskReportsItsOwnStatus() throws Exception {
        execOnAFullStateDisk(true);
    }

    private void execOnAFullStateDisk(boolean capped) throws Exception {
        assumeContainersWork();
        Path stateDir = Files.createDirectories(dir.resolve("state"));
        Mounts.mount("tmpfs", stateDir, "tmpfs", 0, "size=4m");
        List<ComputeSystem> systems = new ArrayList<>();
        RuncBackend backend = null;
        try {
            backend = RuncBackend.open(RuncBackend.Config.of("runc", stateDir), new ComputeThreads());
            Path bundle = BusyboxBundle.create(dir.resolve("bundle"), "sleep", "600");
            ComputeSystem system = backend.create("fd-task", Bundle.load(bundle.toString()), TaskOptions.DEFAULT,
                    stdio("init"));
            systems.add(system);
            system.start(stdio("init"));
            Stdio execStdio = capped ? new Stdio(Optional.empty(), stateDir.resolve("e1.out"), stateDir.resolve("e1.err"))
                    .withCaps(OptionalLong.of(1 << 20), OptionalLong.of(1 << 20)) : stdio("e1");
            ComputeProcess exec = system.exec("e1", ProcessSpec.parse(Json.write(Map.of("args", List.of("sh", "-c",
                    "while [ ! -e /tmp/go ]; do sleep 0.05; done; yes | head -c 5000000; echo end >&2; exit 7")))),
                    execStdio);

            Path filler = stateDir.resolve("filler");
            fill(filler);
            assertEquals(0, Files.getFileStore(stateDir).getUsableSpace(), "the state directory's disk is full");
            Files.writeString(bundle.resolve("rootfs/tmp/go"), "");

            assertEquals(7, exec.exited().toCompletableFuture().get(30, TimeUnit.SECONDS),
                    "its own status, not 4294967295");
            Files.delete(filler);
        } finally { // the containers go first, then the tmpfs with their runtime root
            for (ComputeSystem system : systems) {
                system.terminate();
                system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
                system.close();
            }
            if (backend != null) {
                backend.close();
            }
            Mounts.unmount(stateDir, true);
        }
        RuncFixture.assertNone(stateDir, List.of("fd-task"));
    }

    private Stdio stdio(String name) {
        return new Stdio(Optional.empty(), dir.resolve("out/" + name + ".out"), dir.resolve("out/" + name + ".err"));
    }

    /** Writes {@code file} until the disk holding it has no byte left. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left"), e.toString());
        }
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) { // the last partial block, a byte at a time
                out.write(0);
                out.flush();
            }
        } catch (IOException e) { // full to the byte
        }
    }
}
