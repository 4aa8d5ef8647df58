package io.hatchway.hcs.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules a Linux target adds to what every platform accepts (moved here from ProcessSpecTest). */
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
        HatchwayException e = assertThrows(HatchwayException.class, () -> LinuxTarget.checkProcess(spec));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"args\":[\"true\"]}", "{\"args\":[\"true\"],\"cwd\":\"/\"}", "{\"args\":[\"sh\",\"-c\",\"x\"],\"cwd\":\"/tmp\"}",
        "{\"args\":[\"true\"],\"user\":{\"uid\":0,\"gid\":0,\"username\":\"root\"}}"
    })
    void takesALinuxProcess(String json) {
        LinuxTarget.checkProcess(ProcessSpec.parse(json));
    }

    @Test
    void namesABundlesProcessAsConfigJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"),
                "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"],\"cwd\":\"rel\"}}");
        ProcessSpec spec = Bundle.load(dir.toString()).process();
        assertEquals("InvalidArgument: config.json process.cwd: 'rel' is not an absolute path",
                assertThrows(HatchwayException.class, () -> LinuxTarget.checkProcess(spec)).getMessage());
    }
}
