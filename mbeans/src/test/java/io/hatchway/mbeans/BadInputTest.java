package io.hatchway.mbeans;

import static io.hatchway.mbeans.Bundles.longRunning;
import static io.hatchway.mbeans.TaskFixture.startExecs;
import static io.hatchway.mbeans.TaskFixture.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input refused before a backend acts on it: malformed ids, process objects, bundles,
 * {@code config.json}, options and timeouts (and options the process backend lacks). Each is a
 * clear error of the right kind that changes nothing a user can see (task ids, registered MBeans,
 * files in the state directory, processes), checked through the same JMX proxies a client would
 * use. Parsing is the same whatever the backend, so these run on the process backend only; what
 * tasks and execs do with bad input is {@link BadInputContract}, on every backend.
 */
class BadInputTest {
    private static final String TID = "bad-input";

    @TempDir
    Path tempDir;
    TaskFixture hatchway;

    @BeforeEach
    void startHatchway() {
        hatchway = new TaskFixture(Backend.PROCESS, tempDir);
    }

    @AfterEach
    void stopHatchway() {
        hatchway.close();
    }

    private String assertRefused(ErrorKind kind, Executable call) {
        return hatchway.assertRefused(kind, call);
    }

    private String validBundle() {
        return hatchway.bundle("valid", longRunning()).toString();
    }

    // ids

    static Stream<String> badIds() {
        return Stream.of("-lead", "trail-", ".lead", "trail.", "a..b", "a.-b", "a__b", "a b", " a", "a\n",
                "a/b", "../a", "a,b", "a=b", "a:b", "a*", "a?", "a\"b", "a\\b", "tâche", "a\u0000b", "a".repeat(77));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("badIds")
    @DisplayName("A task id breaking the identifier rule is InvalidArgument")
    void badTaskId(String id) {
        String bundle = validBundle();

        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(id, bundle, ""));
    }

    @ParameterizedTest
    @MethodSource("badIds")
    @DisplayName("An exec id breaking the identifier rule is InvalidArgument")
    void badExecId(String id) {
        TaskMXBean task = hatchway.started(TID);

        assertRefused(ErrorKind.InvalidArgument, () -> task.createExec(id, Bundles.process(longRunning())));
    }

    // processes

    static Stream<Arguments> badProcesses() {
        return Stream.of(
                Arguments.of("empty args", "{\"args\":[]}"),
                Arguments.of("no args", "{\"cwd\":\"/\"}"),
                Arguments.of("empty command", "{\"args\":[\"\"]}"),
                Arguments.of("args not an array", "{\"args\":\"/bin/true\"}"),
                Arguments.of("args not strings", "{\"args\":[1]}"),
                Arguments.of("env not KEY=VALUE", "{\"args\":[\"/bin/true\"],\"env\":[\"NOEQUALS\"]}"),
                Arguments.of("relative cwd", "{\"args\":[\"/bin/true\"],\"cwd\":\"tmp\"}"),
                Arguments.of("relative stdout", "{\"args\":[\"/bin/true\"],\"stdout\":\"out.log\"}"),
                Arguments.of("empty stdout", "{\"args\":[\"/bin/true\"],\"stdout\":\"\"}"),
                Arguments.of("relative stdin", "{\"args\":[\"/bin/true\"],\"stdin\":\"./in\"}"),
                Arguments.of("empty stderr", "{\"args\":[\"/bin/true\"],\"stderr\":\"\"}"),
                Arguments.of("a NUL in an argument", "{\"args\":[\"/bin/echo\",\"cut\\u0000short\"]}"),
                Arguments.of("a NUL in the command", "{\"args\":[\"/bin/true\\u0000x\"]}"),
                Arguments.of("a NUL in env", "{\"args\":[\"/bin/true\"],\"env\":[\"A=b\\u0000c\"]}"),
                Arguments.of("a NUL in a stream path", "{\"args\":[\"/bin/true\"],\"stdout\":\"/tmp/a\\u0000b\"}"),
                Arguments.of("not JSON", "{\"args\":[\"/bin/true\"]"),
                Arguments.of("trailing garbage", "{\"args\":[\"/bin/true\"]} x"),
                Arguments.of("an array", "[\"/bin/true\"]"),
                Arguments.of("a number", "42"),
                Arguments.of("empty", ""),
                Arguments.of("null", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProcesses")
    @DisplayName("createExec with a process that is not a valid OCI process is InvalidArgument")
    void badExecProcess(String what, String processJson) {
        TaskMXBean task = hatchway.started(TID);

        assertRefused(ErrorKind.InvalidArgument, () -> task.createExec("exec", processJson));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProcesses")
    @DisplayName("createTask with a config.json whose process is not valid is InvalidArgument")
    void badInitProcess(String what, String processJson) {
        Path bundle = Bundles.writeConfig(tempDir.resolve("bundles/bad"),
                Bundles.config(processJson == null || processJson.isEmpty() ? "null" : processJson));

        assertRefused(ErrorKind.InvalidArgument,
                () -> hatchway.serviceMBean.createTask(TID, bundle.toString(), ""));
    }

    @Test
    @DisplayName("createExec with a process JSON over 1 MiB is InvalidArgument; exactly 1 MiB is accepted")
    void processJsonOverOneMebibyte() {
        TaskMXBean task = hatchway.started(TID);
        String atLimit = processOfLength(1 << 20);
        String overLimit = processOfLength((1 << 20) + 1);

        String message = assertRefused(ErrorKind.InvalidArgument, () -> task.createExec("too-big", overLimit));
        task.createExec("just-fits", atLimit);

        assertTrue(message.contains("more than the limit"), message);
        assertEquals("created", status(task, "just-fits"));
    }

    /** A valid process object of exactly {@code length} characters, padded in an env value. */
    private static String processOfLength(int length) {
        ObjectNode process = Bundles.processNode(longRunning());
        String empty = process.deepCopy().put("padding", "").toString();
        String padded = process.put("padding", "x".repeat(length - empty.length())).toString();
        assertEquals(length, padded.length());
        return padded;
    }

    // bundles

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"/nonexistent/hatchway-bundle", "relative/bundle", "bundle"})
    @DisplayName("A bundle that is missing or relative is InvalidArgument")
    void missingOrRelativeBundle(String bundle) {
        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, bundle, ""));
    }

    @Test
    @DisplayName("A bundle that is a file, or a directory without config.json, is InvalidArgument")
    void bundleWithoutConfig() throws IOException {
        Path file = Files.writeString(tempDir.resolve("file"), "{}");
        Path empty = Files.createDirectories(tempDir.resolve("empty"));

        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, file.toString(), ""));
        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, empty.toString(), ""));
    }

    @Test
    @DisplayName("A config.json that cannot be read (a directory) is InvalidArgument")
    void configIsADirectory() throws IOException {
        Path bundle = Files.createDirectories(tempDir.resolve("bundle/config.json")).getParent();

        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, bundle.toString(), ""));
    }

    @Test
    @DisplayName("A config.json without read permission is InvalidArgument (skipped as root, who reads anything)")
    void unreadableConfig() throws IOException {
        Path bundle = hatchway.bundle(TID, longRunning());
        Path config = bundle.resolve("config.json");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(config), "this user can read files without read permission");

        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, bundle.toString(), ""));
    }

    static Stream<Arguments> badConfigs() {
        String process = Bundles.process(longRunning());
        return Stream.of(
                Arguments.of("not JSON", "{\"ociVersion\":"),
                Arguments.of("an empty file", ""),
                Arguments.of("JSON null", "null"),
                Arguments.of("an array", "[" + process + "]"),
                Arguments.of("an empty object", "{}"),
                Arguments.of("no ociVersion", "{\"process\":" + process + "}"),
                Arguments.of("a numeric ociVersion", "{\"ociVersion\":1.0,\"process\":" + process + "}"),
                Arguments.of("no process", "{\"ociVersion\":\"1.0.2\"}"),
                Arguments.of("a process that is a string", "{\"ociVersion\":\"1.0.2\",\"process\":\"/bin/sleep\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    @DisplayName("A config.json that is not JSON or not an OCI runtime spec is InvalidArgument")
    void badConfig(String what, String config) {
        Path bundle = Bundles.writeConfig(tempDir.resolve("bundles/bad"), config);

        assertRefused(ErrorKind.InvalidArgument, () -> hatchway.serviceMBean.createTask(TID, bundle.toString(), ""));
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of("{", ErrorKind.InvalidArgument),
                Arguments.of("[]", ErrorKind.InvalidArgument),
                Arguments.of("{\"isolaton\":\"sandbox\"}", ErrorKind.InvalidArgument),
                Arguments.of("{\"isolation\":true}", ErrorKind.InvalidArgument),
                Arguments.of("{\"isolation\":\"vm\"}", ErrorKind.InvalidArgument),
                Arguments.of("{\"isolation\":\"sandbox\"}", ErrorKind.InvalidArgument),
                Arguments.of("{\"isolation\":\"hypervisor\"}", ErrorKind.InvalidArgument),
                Arguments.of("{\"runtime\":\"crun\"}", ErrorKind.NotImplemented));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("badOptions")
    @DisplayName("Options that are malformed or ask for an isolation the process backend lacks are InvalidArgument; its unknown runtime NotImplemented")
    void badOptions(String options, ErrorKind kind) {
        String bundle = validBundle();

        assertRefused(kind, () -> hatchway.serviceMBean.createTask(TID, bundle, options));
    }

    // timeouts

    @ParameterizedTest
    @ValueSource(longs = {-1, 3_600_001, Long.MAX_VALUE, Long.MIN_VALUE})
    @DisplayName("A timeout outside 0-3600000 ms is InvalidArgument for every blocking operation")
    void invalidTimeout(long timeoutMillis) {
        TaskMXBean task = hatchway.started(TID);
        startExecs(task, "exec");
        String process = Bundles.process("/bin/true");

        for (Executable call : List.<Executable>of(
                () -> task.waitExec("", timeoutMillis),
                () -> task.waitExec("exec", timeoutMillis),
                () -> hatchway.exec(TID, "exec").waitFor(timeoutMillis),
                () -> hatchway.exec(TID, "").waitFor(timeoutMillis),
                () -> task.execInHost(process, timeoutMillis))) {
            // Bounded: an implementation that accepted the timeout would block for it.
            String message = assertRefused(ErrorKind.InvalidArgument,
                    () -> assertTimeoutPreemptively(TaskFixture.WAIT, call));
            assertTrue(message.contains(Long.toString(timeoutMillis)), message);
        }
        assertEquals("running", status(task, "exec"));
    }
}
