package io.hatchway.hcs.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.runc.cli.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runc backend's host-exit policy: its containers stay at host exit (to be recovered by the next
 * start), and an id a leftover container holds under the agent's runtime roots is refused, not
 * doubled. Needs root, runc, conmon and busybox; skips otherwise.
 */
class RuncHostExitTest extends RuncTest {
    private RuncBackend backend;

    @BeforeEach
    void open() {
        backend = runc.backend();
    }

    /** A bundle of a {@code sleep 600} for task {@code id}, which the fixture then checks at close. */
    private Bundle bundle(String id) throws Exception {
        return Bundle.load(runc.bundle(id, "sleep", "600").toString());
    }

    private ComputeSystem started(String id) throws Exception {
        ComputeSystem system = backend.create(id, bundle(id), TaskOptions.DEFAULT, runc.stdio(id));
        systems.add(system);
        system.start(runc.stdio(id));
        return system;
    }

    @Test
    void atHostExitContainersStay() throws Exception {
        ComputeSystem system = started("rx-stay");
        backend.hostExit();
        assertTrue(backend.runtime("runc").state("rx-stay").isRunning(), "the container runs on, to be recovered");
        assertFalse(system.exited().toCompletableFuture().isDone());
    }

    @Test
    void anIdALeftoverContainerHoldsIsRefused() throws Exception {
        started("rx-left");
        // A second agent on the same state that did not take the container over (its recovery could not).
        RuncBackend next = RuncBackend.open(RuncBackend.Config.of("runc", stateDir), new ComputeThreads());
        try {
            Bundle bundle = bundle("rx-left-again");
            HatchwayException e = assertThrows(HatchwayException.class,
                    () -> next.create("rx-left", bundle, TaskOptions.DEFAULT, runc.stdio("again")));
            assertEquals(ErrorKind.AlreadyExists, e.kind());
            assertEquals("AlreadyExists: container 'rx-left' already exists in runc (under "
                    + stateDir.resolve("runtime/runc") + ")", e.getMessage());
            assertTrue(backend.runtime("runc").state("rx-left").isRunning(), "the container is untouched");
            assertTrue(Files.isDirectory(stateDir.resolve("tasks/rx-left")), "and so is its task's state");
        } finally {
            next.close();
        }
    }

    @Test
    void anIdHeldUnderTheOtherRuntimesRootIsRefusedToo() throws Exception {
        Assumptions.assumeTrue(OciRuntime.find("crun").isPresent(), "crun is not installed");
        // What crun leaves of a container under its root (<root>/<id>), whatever this host lets crun run.
        Path left = Files.createDirectories(stateDir.resolve("runtime/crun/rx-crun"));
        try {
            Bundle bundle = bundle("rx-crun");
            HatchwayException e = assertThrows(HatchwayException.class,
                    () -> backend.create("rx-crun", bundle, TaskOptions.DEFAULT, runc.stdio("rx-crun")));
            assertEquals(ErrorKind.AlreadyExists, e.kind());
            assertEquals("AlreadyExists: container 'rx-crun' already exists in crun (under "
                    + stateDir.resolve("runtime/crun") + ")", e.getMessage());
        } finally {
            Files.delete(left);
        }
    }
}
