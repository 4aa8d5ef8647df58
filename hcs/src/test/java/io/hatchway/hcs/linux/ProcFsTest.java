package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.hcs.ProcessDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProcFsTest {
    @BeforeAll
    static void needsProc() {
        assumeTrue(ProcFs.available(), "/proc is not readable on this host");
    }

    @Test
    void parsesCommandsWithSpacesAndParentheses() {
        ProcFs.Stat s = ProcFs.parseStat(
                "42 (a (weird) name) S 7 42 42 0 -1 4194560 100 0 0 0 12 34 0 0 20 0 1 0 5000 1048576 25 18446744073709551615");
        assertEquals(42, s.pid());
        assertEquals(42, s.session());
        assertEquals("a (weird) name", s.command());
        assertEquals('S', s.state());
        assertEquals(12, s.userTicks());
        assertEquals(34, s.kernelTicks());
        assertEquals(5000, s.startTicks());
        assertEquals(1048576, s.virtualBytes());
        assertEquals(25, s.residentPages());
    }

    @Test
    void aRunningProgramIsLoadedAndSoIsOneThatIsGone() {
        assertTrue(ProcFs.programLoaded((int) ProcessHandle.current().pid()));
        assertTrue(ProcFs.programLoaded(Integer.MAX_VALUE));
    }

    @Test
    void describesThisJvm() {
        int self = (int) ProcessHandle.current().pid();
        ProcessDetails d = ProcFs.details(self).orElseThrow();
        assertEquals(self, d.getProcessId());
        assertEquals("java", d.getImageName());
        assertTrue(d.getUserTime100ns() > 0, "a JVM has used user time by now");
        assertTrue(d.getMemoryWorkingSetPrivateBytes() > 0);
        assertTrue(d.getMemoryCommitBytes() > d.getMemoryWorkingSetPrivateBytes());
        Instant created = Instant.parse(d.getCreatedAt());
        Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
        assertTrue(Duration.between(created, jvmStart).abs().toSeconds() <= 2, created + " vs " + jvmStart);
    }

    @Test
    void findsEveryMemberOfASessionEvenOrphans() throws Exception {
        Process shell = new ProcessBuilder("/usr/bin/setsid", "/bin/sh", "-c", "sleep 30 & sleep 30 & wait").start();
        int leader = (int) shell.pid();
        try {
            long start = ProcFs.awaitExec(leader, st -> st.session() == leader, Duration.ofSeconds(5))
                    .orElseThrow().startTicks();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> ProcFs.sessionMembers(Map.of(leader, start)).size() == 3);
            assertTrue(ProcFs.sessionMembers(Map.of(leader, start)).contains(leader));
            assertTrue(ProcFs.sessionMembers(Map.of(leader, start + 1_000_000)).isEmpty(),
                    "processes older than the leader are never taken for its session's");
        } finally { // children first, so the shell's wait reaps them and no zombie is left to pid 1
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            if (!shell.waitFor(10, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
    }

    @Test
    void followsASessionAsItChangesOrphansInLeaversOut(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path go = dir.resolve("go");
        java.nio.file.Path left = dir.resolve("left");
        // sleep 30: a child; sleep 31: an orphan (its subshell exits); sleep 32: leaves with setsid;
        // sleep 33: started only once "go" exists, after the first look.
        Process shell = new ProcessBuilder("/usr/bin/setsid", "/bin/sh", "-c",
                "sleep 30 & (sleep 31 &); setsid sleep 32 & echo $! > \"$1\";"
                        + " while [ ! -e \"$0\" ]; do sleep 0.05; done; sleep 33 & wait", go.toString(), left.toString())
                .start();
        int leader = (int) shell.pid();
        try {
            long start = ProcFs.awaitExec(leader, st -> st.session() == leader, Duration.ofSeconds(5))
                    .orElseThrow().startTicks();
            Map<Integer, Long> session = Map.of(leader, start);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> sleeps(ProcFs.sessionMembers(session)), s -> s.equals(java.util.List.of("30", "31")));

            java.nio.file.Files.createFile(go);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> sleeps(ProcFs.sessionMembers(session)), s -> s.equals(java.util.List.of("30", "31", "33")));

            int thirty = ProcFs.sessionMembers(session).stream().filter(pid -> sleeps(java.util.Set.of(pid)).equals(
                    java.util.List.of("30"))).findFirst().orElseThrow();
            ProcessHandle.of(thirty).ifPresent(ProcessHandle::destroyForcibly);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> sleeps(ProcFs.sessionMembers(session)), s -> s.equals(java.util.List.of("31", "33")));
        } finally {
            for (int pid : ProcFs.sessionMembers(Map.of(leader, 0L))) {
                if (pid != leader) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            if (java.nio.file.Files.exists(left)) {
                ProcessHandle.of(Long.parseLong(java.nio.file.Files.readString(left).trim()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            shell.destroyForcibly();
            shell.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The arguments of the {@code sleep 3x} processes among {@code pids}, sorted. */
    private static java.util.List<String> sleeps(java.util.Set<Integer> pids) {
        return pids.stream().map(pid -> ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse(""))
                .filter(line -> line.matches("\\S*sleep 3\\d")).map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .sorted().toList();
    }
}
