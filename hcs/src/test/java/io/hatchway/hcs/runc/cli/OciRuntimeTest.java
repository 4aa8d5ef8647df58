package io.hatchway.hcs.runc.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.oci.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime wrapper: a missing runtime, and every command against the real runc. */
class OciRuntimeTest {
    @TempDir
    Path dir;

    @Test
    void aMissingRuntimeIsUnavailableWithTheOsReason() {
        OciRuntime missing = new OciRuntime("runc", dir.resolve("no-such-runc"), dir.resolve("root"),
                Duration.ofSeconds(5), new ComputeThreads().background());
        HatchwayException e = assertThrows(HatchwayException.class, () -> missing.state("x"));
        assertEquals(ErrorKind.Unavailable, e.kind());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertTrue(OciRuntime.find("no-such-runtime-anywhere").isEmpty());
    }

    @Test
    void aFailingRuntimeIsUnavailableWithItsOwnMessage() throws Exception {
        Path fake = dir.resolve("fake-runc");
        Files.writeString(fake, "#!/bin/sh\necho '{\"level\":\"error\",\"msg\":\"the sky fell\"}' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        OciRuntime runtime = new OciRuntime("fake", fake, dir, Duration.ofSeconds(5), new ComputeThreads().background());
        HatchwayException e = assertThrows(HatchwayException.class, () -> runtime.start("x"));
        assertEquals(ErrorKind.Unavailable, e.kind());
        assertEquals("Unavailable: fake start x: the sky fell", e.getMessage());
    }

    @Test
    void aHangingRuntimeIsBoundedAndKilled() throws Exception {
        Path fake = dir.resolve("slow-runc");
        Files.writeString(fake, "#!/bin/sh\nexec sleep 613\n");
        fake.toFile().setExecutable(true);
        OciRuntime runtime = new OciRuntime("slow", fake, dir, Duration.ofMillis(300), new ComputeThreads().background());
        HatchwayException e = assertThrows(HatchwayException.class, () -> runtime.list());
        assertEquals(ErrorKind.DeadlineExceeded, e.kind());
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").endsWith("sleep 613")),
                "the runtime was killed and reaped");
    }

    @Test
    void everyCommandAgainstRealRunc() throws Exception {
        assumeTrue(LibC.INSTANCE.getuid() == 0, "runc needs root");
        Optional<Path> binary = OciRuntime.find("runc");
        assumeTrue(binary.isPresent(), "runc is not installed");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "no static busybox at /bin/busybox");
        Path bundle = dir.resolve("bundle");
        Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), bundle.resolve("rootfs/bin/busybox"));
        for (String applet : List.of("sh", "sleep", "echo")) {
            Files.createSymbolicLink(bundle.resolve("rootfs/bin/" + applet), Path.of("busybox"));
        }
        Process spec = new ProcessBuilder(binary.get().toString(), "spec", "--bundle", bundle.toString()).start();
        assertTrue(spec.waitFor(30, TimeUnit.SECONDS));
        String config = Files.readString(bundle.resolve("config.json"))
                .replace("\"terminal\": true", "\"terminal\": false").replace("\"sh\"", "\"sleep\", \"600\"");
        Files.writeString(bundle.resolve("config.json"), config);

        OciRuntime runc = new OciRuntime("runc", binary.get(), dir.resolve("root"), OciRuntime.DEFAULT_TIMEOUT, new ComputeThreads().background());
        assertTrue(RuntimeCommands.version(runc).startsWith("runc version"), RuntimeCommands.version(runc));
        assertEquals(List.of(), runc.list());
        HatchwayException notFound = assertThrows(HatchwayException.class, () -> runc.state("c1"));
        assertEquals(ErrorKind.NotFound, notFound.kind());

        RuntimeCommands.create(runc, "c1", bundle, dir.resolve("c1.pid"));
        try {
            ContainerState created = runc.state("c1");
            assertTrue(created.isCreated());
            assertEquals(Integer.parseInt(Files.readString(dir.resolve("c1.pid")).strip()), created.pid());
            assertEquals(List.of("c1"), runc.list().stream().map(ContainerState::id).toList());
            runc.start("c1");
            assertTrue(runc.state("c1").isRunning());

            Path process = dir.resolve("p.json");
            Files.writeString(process, Json.write(Map.of("args", List.of("sh", "-c", "echo out; exit 4"), "cwd", "/",
                    "env", List.of("PATH=/bin"), "user", Map.of("uid", 0, "gid", 0))));
            Path out = dir.resolve("exec.out");
            assertEquals(4, runc.exec("c1", process, new ExecOptions(Optional.empty(), false,
                    new Stdio(Optional.empty(), out, dir.resolve("exec.err")), Optional.of(dir.resolve("e.log"))),
                    Duration.ofSeconds(30)));
            assertEquals("out\n", Files.readString(out));
            assertEquals("[" + created.pid() + "]", RuntimeCommands.ps(runc, "c1"));

            HatchwayException running = assertThrows(HatchwayException.class, () -> runc.delete("c1", false));
            assertEquals(ErrorKind.Unavailable, running.kind());
            assertTrue(running.getMessage().contains("not stopped"), running.getMessage());

            assertTrue(runc.kill("c1", 9, false));
            await().atMost(Duration.ofSeconds(30)).until(() -> runc.state("c1").isStopped());
            assertFalse(runc.kill("c1", 9, false), "a stopped container takes no signal");
        } finally {
            runc.delete("c1", true);
        }
        assertEquals(List.of(), runc.list());
        assertEquals(ErrorKind.NotFound, assertThrows(HatchwayException.class, () -> runc.delete("c1", false)).kind());
    }
}
