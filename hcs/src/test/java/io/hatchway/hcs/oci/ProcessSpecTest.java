package io.hatchway.hcs.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProcessSpecTest {

    @Test
    void keepsEveryOciFieldAndSeparatesOurStdioFields() {
        ProcessSpec spec = ProcessSpec.parse("""
                {"args":["sh","-c","true"],"env":["PATH=/bin"],"cwd":"/","terminal":false,
                 "user":{"uid":0,"gid":0},"noNewPrivileges":true,"stdout":"/tmp/out"}""");
        assertEquals(List.of("sh", "-c", "true"), spec.args());
        assertEquals(Optional.of(0), spec.uid());
        assertEquals(Optional.of("/tmp/out"), spec.stdout());
        assertTrue(spec.toOciJson().contains("noNewPrivileges"));
        assertFalse(spec.toOciJson().contains("stdout"), "stdio paths are ours, not the runtime's");
    }

    @Test
    void defaultsTheWorkingDirectoryToRoot() {
        assertEquals("/", ProcessSpec.parse("{\"args\":[\"true\"]}").cwd());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "  ", "[]", "\"args\"", "{", "{\"args\":[]}", "{\"args\":[\"\"]}", "{}",
        "{\"args\":[1]}", "{\"args\":\"true\"}", "{\"args\":[\"true\"],\"env\":[\"NOEQUALS\"]}",
        "{\"args\":[\"true\"],\"cwd\":\"\"}", "{\"args\":[\"true\"],\"terminal\":\"yes\"}",
        "{\"args\":[\"true\"],\"user\":{\"uid\":-1}}", "{\"args\":[\"true\"],\"user\":{\"uid\":\"root\"}}",
        "{\"args\":[\"true\"]} trailing", "{\"args\":[\"true\"],\"stdout\":\"rel\"}",
        "{\"args\":[\"true\"],\"stdin\":\"\"}", "{\"args\":[\"echo\",\"a\\u0000b\"]}",
        "{\"args\":[\"true\"],\"cwd\":\"/tmp\\u0000x\"}", "{\"args\":[],\"commandLine\":\"\"}",
        "{\"commandLine\":7}", "{\"args\":[\"true\"],\"user\":{\"username\":1}}",
        "{\"args\":[\"true\"],\"consoleSize\":[24,80]}", "{\"args\":[\"true\"],\"consoleSize\":{\"height\":-1,\"width\":80}}",
        "{\"args\":[\"true\"],\"consoleSize\":{\"height\":\"24\"}}"
    })
    void refusesMalformedProcesses(String json) {
        HatchwayException e = assertThrows(HatchwayException.class, () -> ProcessSpec.parse(json));
        assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
    }

    /** What a Windows process is given by: its own command line, a drive path, a user name, a console size. */
    @Test
    void takesTheWindowsFieldsOfAProcess() {
        ProcessSpec spec = ProcessSpec.parse("""
                {"commandLine":"cmd /c \\"echo hi\\"","cwd":"C:\\\\Users","user":{"username":"ContainerUser"},
                 "terminal":true,"consoleSize":{"height":24,"width":80}}""");
        assertEquals(List.of(), spec.args());
        assertEquals(Optional.of("cmd /c \"echo hi\""), spec.commandLine());
        assertEquals(Optional.of("C:\\Users"), spec.workingDirectory());
        assertEquals(Optional.of("ContainerUser"), spec.username());
        assertEquals(Optional.of(new ProcessSpec.ConsoleSize(24, 80)), spec.consoleSize());
        assertEquals(Optional.empty(), spec.uid());
    }

    @Test
    void anEmptyCommandLineIsNoCommandLine() {
        assertEquals(Optional.empty(), ProcessSpec.parse("{\"args\":[\"a\"],\"commandLine\":\"\"}").commandLine());
        assertEquals(Optional.empty(), ProcessSpec.parse("{\"args\":[\"true\"]}").workingDirectory());
        assertEquals(Optional.empty(), ProcessSpec.parse("{\"args\":[\"true\"]}").consoleSize());
    }

    @Test
    void namesTheFieldAndWhereTheProcessCameFrom() {
        HatchwayException e = ProcessSpec.parse("{\"args\":[\"true\"]}").invalid("cwd", "'%s' is wrong", "x");
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertEquals("InvalidArgument: process.cwd: 'x' is wrong", e.getMessage());
    }

    @Test
    void saysMissingCommandForEmptyArgs() {
        HatchwayException e = assertThrows(HatchwayException.class, () -> ProcessSpec.parse("{\"args\":[]}"));
        assertEquals("InvalidArgument: process.args: missing command", e.getMessage());
    }

    @Test
    void refusesInputOverOneMebibyte() {
        String big = "{\"args\":[\"true\"],\"env\":[\"A=" + "x".repeat(Json.MAX_INPUT_CHARS) + "\"]}";
        HatchwayException e = assertThrows(HatchwayException.class, () -> ProcessSpec.parse(big));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }
}
