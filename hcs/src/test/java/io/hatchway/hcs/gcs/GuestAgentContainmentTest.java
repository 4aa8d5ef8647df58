package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What gcs-jail promises a user of the real GCS, shown by a probe program run in it
 * ({@code src/test/c/gcsjailprobe.c}) and by the GCS itself: the program is pid 1 of its own pid
 * namespace, sees a private, empty {@code /run} and a cgroup root of its own, cannot open vsock
 * sockets or reboot, and leaves nothing behind when the jail is told to stop. Run under
 * {@code flock /tmp/hatchway-tests.lock} (they start the GCS, which starts runc).
 */
class GuestAgentContainmentTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NULL_CONTAINER = "00000000-0000-0000-0000-000000000000";
    private static final int NEGOTIATE_PROTOCOL = 0x10100b01;
    private static final int CREATE = 0x10100101;
    private static final int EXECUTE_PROCESS = 0x10100501;

    @Test
    void theProgramIsPid1WithAPrivateRunAndACgroupRootOfItsOwn() throws Exception {
        String marker = "hatchway-probe-" + UUID.randomUUID();
        try (GuestAgentFixture jailed = GuestAgentFixture.jailed(probe(), List.of("marker", marker, "exit", "7"))) {
            Map<String, String> seen = report(jailed);
            assertEquals("1", seen.get("pid"), "its pid in its own pid namespace");
            assertEquals("1", seen.get("proc"), "the pids its /proc shows");
            assertEquals("", seen.get("run"), "its /run holds nothing of the host's");
            assertEquals("ok", seen.get("marker"), "it can write its /run");
            assertFalse(Files.exists(Path.of("/run", marker)), "what it wrote in its /run is not in the host's");
            for (String hierarchy : seen.get("cgroup").split(";")) {
                assertTrue(hierarchy.endsWith(":/"), "its cgroup is the root of its cgroup namespace: " + seen.get("cgroup"));
            }
            assertEquals("1", seen.get("memory.procs"), "its memory hierarchy's root holds it alone");
            assertEquals("EROFS", seen.get("proc.sys"), "kernel settings are read-only to it");
            assertEquals("0,1,2", seen.get("fds"), "it holds no descriptor of the jail's, only its stdio");
            assertEquals(Optional.of(7), jailed.awaitExit(BOUND), "the jail exits with the program's status");
        }
    }

    @Test
    void vsockSocketsAndRebootAreDeniedOtherCallsAreNot() throws Exception {
        Map<String, String> outside = outsideTheJail();
        assertEquals("EINVAL", outside.get("reboot"), "the probe's reboot is harmless outside (an invalid magic number)");
        assertNotEquals("EACCES", outside.get("vsock"), "outside, nothing denies vsock");
        try (GuestAgentFixture jailed = GuestAgentFixture.jailed(probe(), List.of())) {
            Map<String, String> seen = report(jailed);
            assertEquals("EACCES", seen.get("vsock"), "socket(AF_VSOCK)");
            assertEquals("EPERM", seen.get("reboot"), "reboot(2)");
            assertEquals("ok", seen.get("inet"), "socket(AF_INET) is left alone");
            assertEquals(Optional.of(0), jailed.awaitExit(BOUND));
        }
    }

    @Test
    void sigtermToTheJailEndsEverythingInItAndRemovesItsCgroups() throws Exception {
        GuestAgentFixture jailed = GuestAgentFixture.jailed(probe(), List.of("hold"));
        try {
            Map<String, String> seen = report(jailed); // read until "held": its child and orphaned grandchild run
            assertEquals("2", seen.get("held"));
            ProcessHandle probe = jailed.program().orElseThrow();
            Path memory = memoryCgroup(jailed);
            assertEquals(memory, hostCgroupOf(probe.pid()), "the host sees the probe in the jail's own cgroup");
            List<ProcessHandle> inside = Stream.of(Files.readString(memory.resolve("cgroup.procs")).split("\n"))
                    .map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
            assertEquals(3, inside.size(), "the probe, its child and its orphaned grandchild: " + inside);
            assertTrue(jailed.cgroups().stream().allMatch(Files::isDirectory), "a cgroup per hierarchy: " + jailed.cgroups());

            assertEquals(128 + 9, jailed.stop(), "the jail SIGKILLs pid 1 and says so; log:\n" + jailed.log());
            assertEquals(List.of(), inside.stream().filter(ProcessHandle::isAlive).toList(), "processes of the jail left");
            assertEquals(List.of(), jailed.cgroups().stream().filter(Files::exists).toList(), "cgroups of the jail left");
        } finally {
            jailed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "HUP", "QUIT"})
    void everyStopSignalEndsTheProgramLikeSigterm(String signal) throws Exception {
        try (GuestAgentFixture jailed = GuestAgentFixture.jailed(probe(), List.of("hold"))) {
            assertEquals("2", report(jailed).get("held"));
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jailed.pid())).inheritIO().start();
            assertTrue(kill.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
            assertEquals(Optional.of(128 + 9), jailed.awaitExit(BOUND), "SIG" + signal + "; log:\n" + jailed.log());
        }
    }

    @Test
    void theGcsAnswersNegotiationInItsJailAndLeavesNothing() throws Exception {
        try (GuestAgentFixture gcs = GuestAgentFixture.start()) {
            JsonNode answer = negotiate(gcs, 0);
            assertEquals(0, answer.path("Result").asInt(-1), answer + "; log:\n" + gcs.log());
            assertEquals(4, answer.path("Version").asInt(), answer.toString());
            assertEquals("Linux", answer.path("Capabilities").path("RuntimeOsType").asText(), answer.toString());
            // the cgroups it believes are the machine's are made inside the jail's own
            Path gcsCgroup = memoryCgroup(gcs).resolve("gcs");
            assertTrue(Files.isDirectory(memoryCgroup(gcs).resolve("containers")), "its /containers; log:\n" + gcs.log());
            long pid = gcs.program().orElseThrow().pid();
            assertEquals(gcsCgroup, hostCgroupOf(pid), "the GCS moved itself into its /gcs, inside the jail's cgroup");
            assertEquals(128 + 9, gcs.stop(), "log:\n" + gcs.log());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the GCS is gone");
            assertFalse(Files.exists(gcsCgroup), "its cgroups are gone");
        }
    }

    @Test
    void twoGcsRunSideBySideInCgroupsOfTheirOwn() throws Exception {
        try (GuestAgentFixture first = GuestAgentFixture.start(); GuestAgentFixture second = GuestAgentFixture.start()) {
            assertEquals(0, negotiate(first, 0).path("Result").asInt(-1), first.log());
            assertEquals(0, negotiate(second, 0).path("Result").asInt(-1), second.log());
            Set<Path> shared = new HashSet<>(first.cgroups());
            shared.retainAll(second.cgroups());
            assertEquals(Set.of(), shared, "cgroups the two jails share");
            assertEquals(memoryCgroup(first).resolve("gcs"), hostCgroupOf(first.program().orElseThrow().pid()));
            assertEquals(memoryCgroup(second).resolve("gcs"), hostCgroupOf(second.program().orElseThrow().pid()));
            assertEquals(128 + 9, first.stop(), first.log());
            assertEquals((int) 0x80004001L, negotiate(second, 1).path("Result").asInt(), "the second still answers "
                    + "after the first is gone (a second negotiation is refused: E_NOTIMPL); log:\n" + second.log());
        }
    }

    @Test
    void aContainerTheGcsStartsEndsWithTheJailAndLeavesNoRuncStateOrCgroup(@TempDir Path dir) throws Exception {
        String reason = GuestAgentFixture.unusableReason();
        assumeTrue(reason == null, reason);
        BusyboxBundle.assumeContainersWork();
        Path bundle = BusyboxBundle.create(dir.resolve("bundle"), "sleep", "600");
        String cid = UUID.randomUUID().toString();
        try (GuestAgentFixture gcs = GuestAgentFixture.start()) {
            assertEquals(0, negotiate(gcs, 0).path("Result").asInt(-1), gcs.log());
            ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            spec.withObjectProperty("root").put("path", bundle.resolve("rootfs").toString());
            String config = JSON.writeValueAsString(Map.of("SchemaVersion", Map.of("Major", 2, "Minor", 1),
                    "OciBundlePath", "/run/gcs/c/" + cid, "OciSpecification", spec,
                    "ScratchDirPath", "/run/gcs/c/" + cid + "/scratch"));
            JsonNode created = rpc(gcs, CREATE, 1, Map.of("ContainerId", cid, "ActivityId", UUID.randomUUID().toString(),
                    "ContainerConfig", config));
            assertEquals(0, created.path("Result").asInt(-1), created + "; log:\n" + gcs.log());
            JsonNode started = rpc(gcs, EXECUTE_PROCESS, 2, Map.of("ContainerId", cid,
                    "ActivityId", UUID.randomUUID().toString(), "Settings", Map.of("ProcessParameters",
                            "{\"CreateStdInPipe\":false,\"CreateStdOutPipe\":false,\"CreateStdErrPipe\":false}",
                            "VsockStdioRelaySettings", Map.of())));
            assertEquals(0, started.path("Result").asInt(-1), started + "; log:\n" + gcs.log());

            // the container is real, and the host sees it inside the jail's cgroup
            Path containerCgroup = memoryCgroup(gcs).resolve("containers").resolve(cid);
            List<ProcessHandle> inContainer = Stream.of(Files.readString(containerCgroup.resolve("cgroup.procs")).split("\n"))
                    .filter(pid -> !pid.isEmpty()).map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
            assertEquals(1, inContainer.size(), "the container's sleep: " + inContainer + "; log:\n" + gcs.log());
            assertEquals("sleep 600", Files.readString(Path.of("/proc", Long.toString(inContainer.get(0).pid()), "cmdline"))
                    .replace('\0', ' ').trim());
            assertEquals(List.of(), JailHost.mountInfo().filter(m -> m.mountPoint().contains(cid)).toList(),
                    "the container's mounts are not the host's");

            assertEquals(128 + 9, gcs.stop(), gcs.log()); // and the fixture checks runc state, mounts, cgroups
            assertFalse(inContainer.get(0).isAlive(), "the container's process is gone with the jail");
            assertFalse(Files.exists(containerCgroup), "the container's cgroup is gone");
        }
    }

    @Test
    void aJailKilledOutrightTakesItsProgramAlongAndTheNextJailRemovesItsCgroups() throws Exception {
        GuestAgentFixture killed = GuestAgentFixture.jailed(probe(), List.of("hold"));
        assertEquals("2", report(killed).get("held"));
        List<ProcessHandle> inside = Stream.of(Files.readString(memoryCgroup(killed).resolve("cgroup.procs")).split("\n"))
                .map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
        ProcessHandle.of(killed.pid()).orElseThrow().destroyForcibly(); // SIGKILL: the jail cleans up nothing
        assertTrue(killed.awaitExit(BOUND).isPresent());
        Leftovers.awaitNoProcess("the killed jail's probe, child and grandchild", BOUND,
                () -> inside.stream().filter(ProcessHandle::isAlive)
                        .map(p -> new Leftovers.LiveProcess(p.pid(), p.info().commandLine().orElse(""))).toList());
        assertTrue(killed.cgroups().stream().allMatch(Files::isDirectory), "its cgroups stay: no one removed them");
        try (GuestAgentFixture next = GuestAgentFixture.jailed(probe(), List.of())) {
            assertEquals(Optional.of(0), next.awaitExit(BOUND), next.log());
        }
        assertEquals(List.of(), killed.cgroups().stream().filter(Files::exists).toList(), "the next jail swept them");
        killed.close();
    }

    @Test
    void aProgramThatCannotBeRunIsStatus127AndLeavesNothing() throws Exception {
        try (GuestAgentFixture jailed = GuestAgentFixture.jailed(Path.of("/nonexistent/gcs"), List.of())) {
            assertEquals(Optional.of(127), jailed.awaitExit(BOUND));
            assertTrue(jailed.log().contains("gcs-jail: cannot run /nonexistent/gcs: No such file or directory"), jailed.log());
        }
    }

    // --- the probe

    private static Path probe() {
        String reason = GuestAgentFixture.jailUnusableReason();
        assumeTrue(reason == null, reason);
        Path probe = GuestAgentFixture.jail().orElseThrow().resolveSibling("gcs-jail-probe");
        assumeTrue(Files.isExecutable(probe), "no " + probe + " (hcs's test build compiles it with gcc)");
        return probe;
    }

    /** The probe's "key=value" lines, up to its end or its "held" line, read within the bound. */
    private static Map<String, String> report(GuestAgentFixture jailed) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(jailed.in(), StandardCharsets.UTF_8));
        CompletableFuture<Map<String, String>> read = CompletableFuture.supplyAsync(() -> {
            Map<String, String> seen = new LinkedHashMap<>();
            try {
                for (String line; !seen.containsKey("held") && (line = lines.readLine()) != null;) {
                    int eq = line.indexOf('=');
                    seen.put(line.substring(0, eq), line.substring(eq + 1));
                }
            } catch (IOException e) {
                seen.put("error", e.toString());
            }
            return seen;
        });
        return read.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private static Map<String, String> outsideTheJail() throws Exception {
        Process process = new ProcessBuilder(probe().toString()).redirectErrorStream(true).start();
        try {
            assertTrue(process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "the probe ran");
            Map<String, String> seen = new LinkedHashMap<>();
            for (String line : new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                seen.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
            return seen;
        } finally {
            process.destroyForcibly();
        }
    }

    // --- the GCS, over a raw frame (the bridge client is not this test's subject)

    /** NegotiateProtocol v4 as request {@code id}. */
    private static JsonNode negotiate(GuestAgentFixture gcs, long id) throws Exception {
        return rpc(gcs, NEGOTIATE_PROTOCOL, id, Map.of("ContainerId", NULL_CONTAINER,
                "ActivityId", UUID.randomUUID().toString(), "MinimumVersion", 4, "MaximumVersion", 4));
    }

    /**
     * One request and its response, alone on the bridge: a 16-byte little-endian header (type, size
     * with the header, id), then the JSON body; the response's type is the request's with 0x20000000
     * for 0x10000000.
     */
    private static JsonNode rpc(GuestAgentFixture gcs, int type, long id, Map<String, Object> request) throws Exception {
        byte[] body = JSON.writeValueAsBytes(request);
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(type).putInt(16 + body.length).putLong(id);
        gcs.out().write(header.array());
        gcs.out().write(body);
        gcs.out().flush();
        CompletableFuture<JsonNode> response = CompletableFuture.supplyAsync(() -> {
            try {
                ByteBuffer in = ByteBuffer.wrap(gcs.in().readNBytes(16)).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(16, in.capacity(), "a whole header before end of stream");
                assertEquals(type + 0x10000000, in.getInt(), "response type");
                int size = in.getInt();
                assertEquals(id, in.getLong(), "the request's id, echoed");
                return JSON.readTree(gcs.in().readNBytes(size - 16));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        return response.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    // --- cgroups as the host sees them

    /** The jail's own cgroup in the memory hierarchy. */
    private static Path memoryCgroup(GuestAgentFixture jailed) {
        return jailed.cgroups().stream().filter(dir -> dir.toString().contains("/memory/")).findFirst().orElseThrow();
    }

    /** Where the host puts {@code pid} in the memory hierarchy ({@code /proc/<pid>/cgroup}), as a directory. */
    private static Path hostCgroupOf(long pid) {
        return JailHost.cgroupsOf(Long.toString(pid)).stream()
                .filter(dir -> dir.toString().contains("/memory/")).findFirst().orElseThrow();
    }
}
