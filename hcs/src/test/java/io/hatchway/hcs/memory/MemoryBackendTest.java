package io.hatchway.hcs.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeBackendProvider;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-memory backend is a backend like the others: found by {@link java.util.ServiceLoader}
 * through its test-resources line, opened by name, never by {@code auto}, and its modelled processes
 * live and end as the compute SPI says.
 */
class MemoryBackendTest {
    @TempDir
    Path dir;
    private ComputeBackend backend;

    @BeforeEach
    void open() {
        backend = Backends.open("memory", dir);
    }

    @AfterEach
    void close() {
        backend.close();
    }

    private Bundle bundle(String... args) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle-" + String.join("-", args)));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\""
                + String.join("\",\"", args) + "\"]}}");
        return Bundle.load(bundle.toString());
    }

    private Stdio stdio(String name) {
        return new Stdio(Optional.empty(), dir.resolve("out/" + name + ".out"), dir.resolve("out/" + name + ".err"));
    }

    private ComputeSystem create(String id, String... args) throws Exception {
        return backend.create(id, bundle(args), TaskOptions.DEFAULT, stdio(id));
    }

    private static long exitCode(ComputeProcess process) throws Exception {
        return process.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static void assertRefused(ErrorKind kind, String message, Executable call) {
        HatchwayException e = assertThrows(HatchwayException.class, call);
        assertEquals(kind + ": " + message, e.getMessage());
    }

    @Test
    void serviceLoaderFindsItAndAutoNeverChoosesIt() {
        ComputeBackendProvider memory = Backends.providers().stream().filter(p -> p.name().equals("memory"))
                .findFirst().orElseThrow(() -> new AssertionError("no memory provider among " + Backends.providers()));
        assertEquals(0, memory.autoPreference());
        assertInstanceOf(MemoryBackend.class, backend);
        assertEquals("memory", backend.name());
        try (ComputeBackend auto = Backends.open("auto", dir.resolve("auto"))) {
            assertNotEquals("memory", auto.name());
        }
    }

    @Test
    void processesLiveUntilASignalOrTheTestEndsThem() throws Exception {
        ComputeSystem system = create("t1", "sleep", "600");
        ComputeProcess init = system.start(stdio("t1"));
        ComputeProcess exec = system.exec("e1", ProcessSpec.parse("{\"args\":[\"/bin/sleep\",\"600\"]}"), stdio("e1"));
        assertNotEquals(init.pid(), exec.pid());
        assertEquals(List.of(init.pid(), exec.pid()), system.processes().stream().map(ProcessDetails::getProcessId).toList());
        assertEquals("sleep", system.processes().get(1).getImageName());
        assertEquals(2, system.statistics().getPidsCurrent());
        assertTrue(Files.isRegularFile(dir.resolve("out/e1.out")), "its output file is made at start");

        assertTrue(exec.signal(Signals.SIGTERM));
        assertEquals(128 + Signals.SIGTERM, exitCode(exec));
        assertFalse(exec.signal(Signals.SIGTERM), "nothing is delivered to an exited process");
        assertEquals(1, system.statistics().getPidsCurrent());
        assertFalse(system.exited().toCompletableFuture().isDone(), "the init process still runs");

        MemoryProcess modelled = ((MemorySystem) system).init().orElseThrow();
        modelled.use(5_000, 4096);
        assertEquals(5_000, system.statistics().getCpuUser100ns());
        assertEquals(4096, system.statistics().getMemoryUsageBytes());
        modelled.exit(3);
        assertEquals(3, exitCode(init));
        system.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertRefused(ErrorKind.NotFound, "failed to fetch pids: task 't1' has stopped", system::processes);
        assertRefused(ErrorKind.FailedPrecondition, "task: 't1' is not running",
                () -> system.exec("e2", ProcessSpec.parse("{\"args\":[\"true\"]}"), stdio("e2")));
        system.close();
        assertTrue(((MemoryBackend) backend).system("t1").isEmpty(), "a closed system is forgotten");
    }

    @Test
    void anIgnoredSignalChangesNothingButSigkillAlwaysKills() throws Exception {
        ComputeSystem system = create("t1", "sleep", "600");
        ComputeProcess init = system.start(stdio("t1"));
        ((MemorySystem) system).init().orElseThrow().ignore(Signals.SIGTERM);
        assertTrue(init.signal(Signals.SIGTERM));
        assertTrue(init.signal(17), "SIGCHLD is ignored by default");
        system.shutdown();
        assertFalse(((MemorySystem) system).init().orElseThrow().ended(), "SIGTERM was ignored");
        system.terminate();
        assertEquals(128 + Signals.SIGKILL, exitCode(init));
        system.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aProgramThatExitsAtOnceReportsItsCode() throws Exception {
        ComputeSystem system = create("t1", "exit", "7");
        assertEquals(7, exitCode(system.start(stdio("t1"))));
        system.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertRefused(ErrorKind.FailedPrecondition, "task: 't1' was already started or has stopped",
                () -> system.start(stdio("t1")));
    }

    @Test
    void aSystemNeverStartedStopsAtShutdown() throws Exception {
        ComputeSystem system = create("t1", "sleep", "600");
        assertRefused(ErrorKind.FailedPrecondition, "task: 't1' is not running",
                () -> system.exec("e1", ProcessSpec.parse("{\"args\":[\"true\"]}"), stdio("e1")));
        system.shutdown();
        system.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void theLinuxRulesAndIsolationHoldAsOnTheRealBackends() throws Exception {
        ComputeSystem plain = create("t1", "sleep", "600");
        assertRefused(ErrorKind.AlreadyExists, "task with id: 't1' already exists", () -> create("t1", "true"));
        assertRefused(ErrorKind.FailedPrecondition, "signal 0: invalid signal value", () -> plain.checkSignal(0));
        assertRefused(ErrorKind.FailedPrecondition, "signal 32: invalid signal value", () -> plain.checkSignal(32));
        plain.checkSignal(31);
        assertRefused(ErrorKind.InvalidArgument, "hostPath 'data': not an absolute path",
                () -> plain.share("data", "/mnt", true));
        assertRefused(ErrorKind.FailedPrecondition, "task is not isolated", () -> plain.share("/data", "/mnt", true));
        assertRefused(ErrorKind.FailedPrecondition, "task is not isolated",
                () -> plain.execInHost(ProcessSpec.parse("{\"args\":[\"true\"]}"), Duration.ofSeconds(1)));
        assertEquals(Optional.empty(), plain.hostStatistics());

        ComputeSystem isolated = backend.create("t2", bundle("sleep", "600"),
                TaskOptions.parse("{\"isolation\":\"sandbox\"}", backend.optionKeys()), stdio("t2"));
        assertTrue(isolated.isolated());
        isolated.start(stdio("t2"));
        isolated.share("/data", "/mnt", true);
        assertRefused(ErrorKind.AlreadyExists, "guestPath '/mnt' is already shared",
                () -> isolated.share("/other", "/mnt", true));
        ((MemorySystem) isolated).hostExitCode(4);
        assertEquals(4, isolated.execInHost(ProcessSpec.parse("{\"args\":[\"true\"]}"), Duration.ofSeconds(1)));
        assertEquals(1, isolated.hostStatistics().orElseThrow().getPidsCurrent());
        assertRefused(ErrorKind.InvalidArgument, "options: unknown key 'runtime' (known: isolation)",
                () -> TaskOptions.parse("{\"runtime\":\"crun\"}", backend.optionKeys()));
        backend.hostExit();
        isolated.exited().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
