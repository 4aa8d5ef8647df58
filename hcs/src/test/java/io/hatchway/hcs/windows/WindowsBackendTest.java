package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The windows backend's own rules through the stand-in (the contract suite, mbeans' OnWindowsTest,
 * covers the task model): what hypervisor isolation refuses before any VM is made, and an agent on a
 * state directory ending what an earlier agent on it left, found by its Owner, and nothing else.
 */
class WindowsBackendTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingOpen() {
        StandInFixture.assertNothingOpen();
    }

    private ComputeBackend open(Path stateDir) {
        new StandInFixture(); // skips, saying why, without the stand-in
        return Backends.open("windows", BackendContext.of(stateDir));
    }

    private Bundle bundle(String name, boolean hyperv, String... args) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve(name));
        Path base = Files.createDirectories(bundle.resolve("base"));
        Path scratch = Files.createDirectories(bundle.resolve("scratch"));
        ObjectNode config = Json.MAPPER.createObjectNode().put("ociVersion", "1.0.2");
        config.putObject("process").putPOJO("args", List.of(args)).put("cwd", "/")
                .putPOJO("env", List.of("PATH=/usr/bin:/bin"));
        ObjectNode windows = config.putObject("windows");
        windows.putPOJO("layerFolders", List.of(base.toString(), scratch.toString()));
        if (hyperv) {
            windows.putObject("hyperv");
        }
        Files.writeString(bundle.resolve("config.json"), config.toString());
        return Bundle.load(bundle.toString());
    }

    private Stdio stdio() {
        return new Stdio(Optional.empty(), dir.resolve("out"), dir.resolve("err"));
    }

    /** runc's sandbox is no isolation HCS offers: the caller's mistake, InvalidArgument, nothing created. */
    @Test
    void sandboxIsolationIsRefusedAsInvalidArgument() throws Exception {
        try (ComputeBackend backend = open(dir.resolve("state"))) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> backend.create("t1",
                    bundle("sandbox", false, "/bin/true"), TaskOptions.parse("{\"isolation\":\"sandbox\"}",
                            backend.optionKeys()), stdio()));
            assertEquals("InvalidArgument: isolation 'sandbox': the windows backend offers only 'none' and 'hypervisor'",
                    e.getMessage());
        }
    }

    /** A Windows guest in a utility VM (the bundle's windows.hyperv) is not driven: NotImplemented, saying what is. */
    @Test
    void aWindowsGuestIsNotImplemented() throws Exception {
        try (ComputeBackend backend = open(dir.resolve("state"))) {
            HatchwayException e = assertThrows(HatchwayException.class,
                    () -> backend.create("t1", bundle("hyperv", true, "/bin/true"), TaskOptions.DEFAULT, stdio()));
            assertEquals(ErrorKind.NotImplemented, e.kind());
            assertTrue(e.getMessage().contains("isolation 'hypervisor' runs a Linux bundle"), e.getMessage());
        }
    }

    /** isolation hypervisor takes a Linux bundle: one without its root directory is refused before any VM is made. */
    @Test
    void aHypervisorIsolatedTaskNeedsALinuxRootFileSystem() throws Exception {
        try (ComputeBackend backend = open(dir.resolve("state"))) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> backend.create("t1",
                    bundle("norootfs", false, "/bin/true"), TaskOptions.parse("{\"isolation\":\"hypervisor\"}",
                            backend.optionKeys()), stdio()));
            assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("root.path"), e.getMessage());
        }
    }

    @Test
    void anAgentEndsWhatAnEarlierAgentOnItsStateDirectoryLeftAndNothingElse() throws Exception {
        Path stateDir = dir.resolve("state");
        ComputeBackend earlier = open(stateDir);
        ComputeBackend other = open(dir.resolve("other-state"));
        ComputeBackend later = open(stateDir);
        try {
            ComputeSystem left = earlier.create("left", bundle("left", false, "/bin/sleep", "600"), TaskOptions.DEFAULT,
                    stdio());
            ComputeProcess init = left.start(stdio());
            ComputeSystem others = other.create("others", bundle("others", false, "/bin/sleep", "600"),
                    TaskOptions.DEFAULT, stdio());
            others.start(stdio());

            assertEquals(List.of(), later.recover(), "a container's stdio went with its agent: nothing to drive again");

            left.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(137, init.exited().toCompletableFuture().get(10, TimeUnit.SECONDS), "terminated");
            assertEquals(1, others.processes().size(), "another agent's container runs on");
        } finally {
            later.close();
            earlier.close();
            other.close();
        }
    }
}
