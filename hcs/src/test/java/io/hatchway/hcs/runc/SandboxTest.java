package io.hatchway.hcs.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Isolated tasks: the sandbox container, execInHost, live shares, guest stacks. Needs root. */
class SandboxTest extends RuncTest {
    private static final TaskOptions SANDBOX = TaskOptions.parse("{\"isolation\":\"sandbox\"}", Set.of());

    private Path allowed;
    private RuncBackend backend;

    @BeforeEach
    void open() throws Exception {
        allowed = Files.createDirectories(dir.resolve("allowed"));
        backend = runc.backend(RuncBackend.Config.of("runc", stateDir).withShareRoots(List.of(allowed)));
    }

    private ComputeSystem sandboxed(String id, String... args) throws Exception {
        Path bundle = runc.bundle(id, args);
        ComputeSystem system = backend.create(id, Bundle.load(bundle.toString()), SANDBOX, stdio(id));
        systems.add(system);
        return system;
    }

    private Stdio stdio(String name) {
        return runc.stdio(name);
    }

    /** A process for execInHost whose output goes to {@code out/<name>.out}. */
    private ProcessSpec hostProcess(String name, String... args) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("args", List.of(args));
        spec.put("stdout", dir.resolve("out/" + name + ".out").toString());
        spec.put("stderr", dir.resolve("out/" + name + ".err").toString());
        return ProcessSpec.parse(Json.write(spec));
    }

    private String output(String name) throws Exception {
        return Files.readString(dir.resolve("out/" + name + ".out"));
    }

    @Test
    void theTaskRunsInTheSandboxNamespaces() throws Exception {
        ComputeSystem system = sandboxed("sb-ns", "sleep", "600");
        assertTrue(system.isolated());
        ComputeProcess init = system.start(stdio("sb-ns"));
        Sandbox sandbox = ((Container) system).sandbox().orElseThrow();
        for (String ns : List.of("pid", "net", "ipc", "uts")) {
            assertEquals(Files.readSymbolicLink(Path.of("/proc/" + sandbox.pid() + "/ns/" + ns)),
                    Files.readSymbolicLink(Path.of("/proc/" + init.pid() + "/ns/" + ns)), ns + " namespace");
        }
        assertNotEquals(Files.readSymbolicLink(Path.of("/proc/" + sandbox.pid() + "/ns/mnt")),
                Files.readSymbolicLink(Path.of("/proc/" + init.pid() + "/ns/mnt")), "each has its own mounts");

        // pids.current counts threads, and those of the runtime's init linger a moment after exec:
        // the exact process count comes from cgroup.procs.
        Statistics host = system.hostStatistics().orElseThrow();
        assertTrue(host.getPidsCurrent() >= 1, "the sandbox's own sleep");
        assertEquals(List.of(sandbox.pid()), backend.cgroups().processes(backend.cgroupsPath("sb-ns+sandbox")));
        assertEquals(List.of(init.pid()), system.processes().stream().map(p -> p.getProcessId()).toList());

        String stacks = system.dumpGuestStacks(Duration.ofSeconds(5));
        assertTrue(stacks.contains("pid " + sandbox.pid() + " (sleep)"), stacks);
        assertTrue(stacks.contains("pid " + init.pid() + " (sleep)"), stacks);
        assertTrue(stacks.contains("wchan"), stacks);

        // The task's init is not pid 1 of the namespace: an exec that outlives it is stopped with the task.
        ComputeProcess exec = system.exec("e1", ProcessSpec.parse("{\"args\":[\"sleep\",\"600\"]}"), stdio("e1"));
        assertTrue(init.signal(9));
        assertEquals(137, init.exited().toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(!system.exited().toCompletableFuture().isDone() || exec.exited().toCompletableFuture().isDone());
        system.shutdown(); // the task layer's teardown: SIGTERM to what is left
        assertEquals(128 + 15, exec.exited().toCompletableFuture().get(30, TimeUnit.SECONDS));
        system.exited().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aShareIsLiveAndReadOnlyWhenAsked() throws Exception {
        ComputeSystem system = sandboxed("sb-share", "sleep", "600");
        system.start(stdio("sb-share"));
        Path data = Files.createDirectories(allowed.resolve("data"));
        Files.writeString(data.resolve("hello"), "hi\n");
        system.share(data.toString(), "/mnt/data", true);

        assertEquals(0, system.execInHost(hostProcess("cat1", "cat", "/mnt/data/hello"), Duration.ofSeconds(30)));
        assertEquals("hi\n", output("cat1"));
        Files.writeString(data.resolve("later"), "written after the share\n");
        assertEquals(0, system.execInHost(hostProcess("cat2", "cat", "/mnt/data/later"), Duration.ofSeconds(30)));
        assertEquals("written after the share\n", output("cat2"), "the share is live");

        int write = system.execInHost(hostProcess("write", "sh", "-c", "echo no > /mnt/data/hello"),
                Duration.ofSeconds(30));
        assertNotEquals(0, write, "read-only is enforced");
        assertTrue(Files.readString(dir.resolve("out/write.err")).contains("Read-only file system"));
        assertEquals("hi\n", Files.readString(data.resolve("hello")));

        Path rw = Files.createDirectories(allowed.resolve("rw"));
        system.share(rw.toString(), "/mnt/rw", false);
        assertEquals(0, system.execInHost(hostProcess("w", "sh", "-c", "echo from the sandbox > /mnt/rw/x"),
                Duration.ofSeconds(30)));
        assertEquals("from the sandbox\n", Files.readString(rw.resolve("x")));

        HatchwayException twice = assertThrows(HatchwayException.class, () -> system.share(rw.toString(), "/mnt/rw", false));
        assertEquals(ErrorKind.AlreadyExists, twice.kind());
    }

    @Test
    void aSingleFileIsSharedAloneThroughItsParent() throws Exception {
        ComputeSystem system = sandboxed("sb-file", "sleep", "600");
        system.start(stdio("sb-file"));
        Path parent = Files.createDirectories(allowed.resolve("conf"));
        Files.writeString(parent.resolve("app.conf"), "answer=42\n");
        Files.writeString(parent.resolve("secret"), "not for the sandbox\n");
        system.share(parent.resolve("app.conf").toString(), "/etc/app.conf", true);
        assertEquals(0, system.execInHost(hostProcess("conf", "cat", "/etc/app.conf"), Duration.ofSeconds(30)));
        assertEquals("answer=42\n", output("conf"));
        assertEquals(0, system.execInHost(hostProcess("ls", "ls", "/etc"), Duration.ofSeconds(30)));
        assertTrue(!output("ls").contains("secret"), output("ls"));
        assertNotEquals(0, system.execInHost(hostProcess("wf", "sh", "-c", "echo x > /etc/app.conf"),
                Duration.ofSeconds(30)));
    }

    @Test
    void badSharesAreRefusedAndLeaveNothing() throws Exception {
        ComputeSystem system = sandboxed("sb-bad", "sleep", "600");
        system.start(stdio("sb-bad"));
        Path ok = Files.createDirectories(allowed.resolve("ok"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(allowed.resolve("escape"), outside);

        assertInvalid(() -> system.share(allowed.resolve("missing").toString(), "/mnt/x", true), "does not exist");
        assertInvalid(() -> system.share(Path.of(allowed + "/ok/../../outside").toString(), "/mnt/x", true), "'..'");
        assertInvalid(() -> system.share(allowed.resolve("escape").toString(), "/mnt/x", true), "outside the share roots");
        assertInvalid(() -> system.share(outside.toString(), "/mnt/x", true), "outside the share roots");
        assertInvalid(() -> system.share(ok.toString(), "mnt/x", true), "not an absolute path");
        assertInvalid(() -> system.share(ok.toString(), "/mnt/../x", true), "'..'");
        assertInvalid(() -> system.share(ok.toString(), "/", true), "root");
        // A symbolic link inside the sandbox must not lead the host-side mount elsewhere.
        assertEquals(0, system.execInHost(hostProcess("ln", "sh", "-c", "mkdir /links && busybox ln -s /tmp /links/tmp"),
                Duration.ofSeconds(30)));
        assertInvalid(() -> system.share(ok.toString(), "/links/tmp/x", true), "symbolic link");
        assertEquals(List.of(), io.hatchway.hcs.linux.Mounts.mountPointsUnder(stateDir).stream()
                .filter(p -> p.toString().contains("/stage/")).toList(), "no staging mount left");
    }

    private static void assertInvalid(org.junit.jupiter.api.function.Executable call, String words) {
        HatchwayException e = assertThrows(HatchwayException.class, call);
        assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void execInHostIsBoundedAndReportsExitCodes() throws Exception {
        ComputeSystem system = sandboxed("sb-exec", "sleep", "600");
        system.start(stdio("sb-exec"));
        assertEquals(7, system.execInHost(hostProcess("seven", "sh", "-c", "exit 7"), Duration.ofSeconds(30)));
        HatchwayException slow = assertThrows(HatchwayException.class,
                () -> system.execInHost(hostProcess("slow", "sleep", "600"), Duration.ofMillis(300)));
        assertEquals(ErrorKind.DeadlineExceeded, slow.kind());
        HatchwayException missing = assertThrows(HatchwayException.class,
                () -> system.execInHost(hostProcess("missing", "/bin/nope"), Duration.ofSeconds(30)));
        assertEquals(ErrorKind.InvalidArgument, missing.kind(), missing.getMessage());
        Sandbox sandbox = ((Container) system).sandbox().orElseThrow();
        assertEquals(List.of(sandbox.pid()), backend.cgroups().processes(backend.cgroupsPath("sb-exec+sandbox")),
                "nothing left in the sandbox");
    }
}
