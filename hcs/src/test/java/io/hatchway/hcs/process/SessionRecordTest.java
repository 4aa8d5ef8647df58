package io.hatchway.hcs.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.linux.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record of a task's sessions: its format, and which recorded sessions can still be ours. */
class SessionRecordTest {
    @TempDir
    Path dir;

    private static final int SELF = (int) ProcessHandle.current().pid();
    private static final long SELF_START = ProcFs.stat(SELF).orElseThrow().startTicks();

    @Test
    void whatIsAddedIsReadBackWithThisBootAndThisHost() throws Exception {
        SessionRecord record = new SessionRecord(dir.resolve("process"), "t1");
        record.add(4711, 100);
        record.add(4712, 200);
        String text = Files.readString(record.file());
        assertEquals("boot " + ProcFs.bootId() + "\nhost " + SELF + " " + SELF_START + "\nsession 4711 100\n"
                + "session 4712 200\n", text);
        SessionRecord.Contents contents = SessionRecord.read(record.file()).orElseThrow();
        assertEquals(Map.of(4711, 100L, 4712, 200L), contents.sessions());
        assertTrue(contents.hostAlive());
        assertTrue(contents.hostIsThisJvm());
        record.remove();
        assertFalse(Files.exists(record.file()));
    }

    @Test
    void aTornLastLineIsIgnored() {
        // The host died while appending "session 4790 123999\n": the digits it lost would make the start time too small.
        SessionRecord.Contents contents = SessionRecord.parse("boot b\nhost 10 5\nsession 4711 100\nsession 4790 12")
                .orElseThrow();
        assertEquals(Map.of(4711, 100L), contents.sessions());
    }

    @Test
    void aFileWithoutBootAndHostIsNoRecord() {
        assertTrue(SessionRecord.parse("session 4711 100\n").isEmpty());
        assertTrue(SessionRecord.parse("boot b\nhost 10 5").isEmpty(), "host line torn");
        assertTrue(SessionRecord.parse("").isEmpty());
    }

    @Test
    void sessionsOfAnotherBootAreNeverOurs() {
        SessionRecord.Contents contents = new SessionRecord.Contents("another-boot", SELF, SELF_START,
                Map.of(SELF, SELF_START));
        assertEquals(Map.of(), contents.liveSessions());
        assertFalse(contents.hostAlive(), "a pid of another boot names no process of this one");
    }

    @Test
    void aLeaderPidNowRunningAnotherProcessDropsItsSession() throws Exception {
        int gone = goneProcess();
        SessionRecord.Contents contents = new SessionRecord.Contents(ProcFs.bootId(), SELF, SELF_START - 1,
                Map.of(SELF, SELF_START - 1, gone, 1L));
        assertEquals(Map.of(gone, 1L), contents.liveSessions(),
                "a live pid with another start time is another process: its session is dropped; a gone"
                        + " leader's session is kept (its members keep its id from reuse)");
        assertFalse(contents.hostAlive(), "the recorded host pid runs another process");
        assertFalse(contents.hostIsThisJvm());
    }

    /** The pid of a process that has exited and been reaped. */
    private static int goneProcess() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        return (int) done.pid();
    }
}
