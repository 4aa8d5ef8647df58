package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules a Linux target adds to what every platform accepts, and the contract error a backend
 * makes of them through {@link ProcessSpec#check} and {@link ComputeSystem#checkSharePaths}.
 */
class LinuxTargetTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "{\"args\":[\"true\"],\"cwd\":\"relative\"};           InvalidArgument: process.cwd: 'relative' is not an absolute path",
        "{\"args\":[\"true\"],\"cwd\":\"C:\\\\Users\"};        InvalidArgument: process.cwd: 'C:\\Users' is not an absolute path",
        "{\"commandLine\":\"cmd /c dir\"};                      InvalidArgument: process.args: missing command",
        "{\"args\":[\"\"],\"commandLine\":\"cmd\"};             InvalidArgument: process.args: missing command",
    })
    void refusesWhatOnlyWindowsTakes(String json, String message) {
        ProcessSpec spec = ProcessSpec.parse(json);
        HatchwayException e = assertThrows(HatchwayException.class, () -> spec.check(LinuxTarget::processProblem));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"args\":[\"true\"]}", "{\"args\":[\"true\"],\"cwd\":\"/\"}", "{\"args\":[\"sh\",\"-c\",\"x\"],\"cwd\":\"/tmp\"}",
        "{\"args\":[\"true\"],\"user\":{\"uid\":0,\"gid\":0,\"username\":\"root\"}}"
    })
    void takesALinuxProcess(String json) {
        assertEquals(Optional.empty(), LinuxTarget.processProblem(ProcessSpec.parse(json)));
    }

    @Test
    void namesABundlesProcessAsConfigJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"),
                "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"],\"cwd\":\"rel\"}}");
        ProcessSpec spec = Bundle.load(dir.toString()).process();
        assertEquals("InvalidArgument: config.json process.cwd: 'rel' is not an absolute path",
                assertThrows(HatchwayException.class, () -> spec.check(LinuxTarget::processProblem)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9, 15, 31})
    void takesSignalsOneToThirtyOne(int signal) {
        assertTrue(LinuxTarget.takesSignal(signal));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 32, 64, -1, Integer.MIN_VALUE})
    void refusesOtherSignals(int signal) {
        assertFalse(LinuxTarget.takesSignal(signal));
    }

    @Test
    void sharePathsMustBeAbsolute() {
        assertEquals("InvalidArgument: hostPath 'rel': not an absolute path", assertThrows(HatchwayException.class,
                () -> ComputeSystem.checkSharePaths("rel", "/mnt", LinuxTarget::isAbsolute)).getMessage());
        assertEquals("InvalidArgument: guestPath 'null': not an absolute path", assertThrows(HatchwayException.class,
                () -> ComputeSystem.checkSharePaths("/tmp", null, LinuxTarget::isAbsolute)).getMessage());
        ComputeSystem.checkSharePaths("/tmp", "/mnt", LinuxTarget::isAbsolute);
    }
}
