package io.hatchway.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentOptionsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreSpecs() {
        AgentOptions o = AgentOptions.parse(null);
        assertEquals("auto", o.backend());
        assertEquals(Path.of(System.getProperty("user.home"), ".hatchway"), o.stateDir());
        assertTrue(o.jolokia());
        assertEquals("127.0.0.1", o.host());
        assertEquals(8778, o.port());
        assertEquals("basic", o.auth());
        assertEquals(Duration.ofSeconds(3), o.hostExitShutdown());
        assertTrue(o.unknown().isEmpty());
        assertEquals(List.of(), o.allowOrigin());
    }

    @Test
    void allowOriginTakesSeveralOriginsSeparatedByCommas() {
        AgentOptions o = AgentOptions.parse("port=0,allowOrigin=http://localhost:8080,https://console.example:8443/,auth=basic");
        assertEquals(List.of("http://localhost:8080", "https://console.example:8443"), o.allowOrigin());
        assertEquals("basic", o.auth());
        assertTrue(o.unknown().isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("allowOrigin=http://localhost:8080/hawtio"));
        assertTrue(e.getMessage().startsWith("allowOrigin 'http://localhost:8080/hawtio' is not an origin"), e.getMessage());
    }

    @Test
    void readsKeyValuePairsAndNamesUnknownKeys() {
        AgentOptions o = AgentOptions.parse("backend=process, stateDir=/tmp/x,port=0,hostExitShutdownMillis=500,colour=blue");
        assertEquals("process", o.backend());
        assertEquals(Duration.ofMillis(500), o.hostExitShutdown());
        assertEquals(Path.of("/tmp/x"), o.stateDir());
        assertEquals(0, o.port());
        assertEquals(List.of("colour"), o.unknown());
    }

    @Test
    void readsAConfigFileWhoseKeysTheCommandLineOverrides() throws Exception {
        Path file = Files.writeString(dir.resolve("hatchway.properties"), "backend=process\nport=9999\njolokia=false\n");
        AgentOptions o = AgentOptions.parse("config=" + file + ",port=1234");
        assertEquals("process", o.backend());
        assertEquals(1234, o.port());
        assertFalse(o.jolokia());
    }

    @Test
    void malformedOptionsSayWhichOne() {
        for (String[] bad : new String[][] {{"port=abc", "port=abc"}, {"port=70000", "port=70000"},
                {"jolokia=yes", "jolokia=yes"}, {"auth=digest", "auth=digest"}, {"noequals", "noequals"},
                {"a=1,,b=2", "''"}, {"config=/no/such/file", "/no/such/file"},
                {"hostExitShutdownMillis=-1", "hostExitShutdownMillis=-1: must be a number from 0 to 60000"},
                {"hostExitShutdownMillis=3s", "hostExitShutdownMillis=3s"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(bad[0]));
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
    }
}
