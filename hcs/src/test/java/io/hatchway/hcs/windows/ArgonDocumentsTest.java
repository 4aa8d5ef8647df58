package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.schema.ProcessParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundle → HCS document builder on sample Windows bundles, against hand-written hcsshim-shaped JSON. */
class ArgonDocumentsTest {
    private static final String VOLUME = "\\\\?\\Volume{11111111-2222-3333-4444-555555555555}\\";
    /** Stands in for vmcompute's NameToGuid: the test only needs each folder's own id in the right place. */
    private static final UnaryOperator<String> LAYER_ID = folder -> "id-of-" + folder.substring(folder.lastIndexOf('\\') + 1);

    @TempDir
    Path dir;

    private Bundle bundle(String config) throws Exception {
        Files.writeString(dir.resolve("config.json"), config);
        return Bundle.load(dir.toString());
    }

    private static String json(Object document) {
        return Json.write(document);
    }

    private static void assertJson(String expected, Object document) throws Exception {
        assertEquals(Json.MAPPER.readTree(expected), Json.MAPPER.readTree(json(document)), json(document));
    }

    private static final String SAMPLE = """
            {"ociVersion":"1.1.0","hostname":"web-1",
             "process":{"args":["cmd","/c","echo hello"],"cwd":"C:\\\\","env":["PATH=C:\\\\Windows","EMPTY=","A=1","A=2"],
                        "user":{"username":"ContainerUser"}},
             "root":{"path":""},
             "mounts":[{"destination":"C:\\\\data","type":"","source":"D:\\\\data","options":["RO"]},
                       {"destination":"C:\\\\logs","source":"D:\\\\logs","options":["rbind","rw"]}],
             "windows":{"layerFolders":["C:\\\\layers\\\\top","C:\\\\layers\\\\middle","C:\\\\layers\\\\base","C:\\\\scratch\\\\t1"],
                        "network":{"allowUnqualifiedDNSQuery":true,"DNSSearchList":["corp.example","example"],
                                   "networkNamespace":"8a1b2c3d-0000-4000-8000-000000000001","endpointList":["e1"]},
                        "resources":{"memory":{"limit":1}}},
             "annotations":{"x":"y"}}""";

    @Test
    void buildsTheContainerAsHcsoci() throws Exception {
        Bundle bundle = bundle(SAMPLE);
        assertEquals(new ArgonDocuments.Layers(List.of("C:\\layers\\top", "C:\\layers\\middle", "C:\\layers\\base"),
                "C:\\scratch\\t1"), ArgonDocuments.layers(bundle));
        assertEquals(Optional.empty(), ArgonDocuments.premountedVolume(bundle), "an empty root.path: the caller mounts the scratch");
        assertJson("""
                {"Owner":"hatchway","SchemaVersion":{"Major":2,"Minor":1},"ShouldTerminateOnLastHandleClosed":true,
                 "Container":{
                   "GuestOs":{"HostName":"web-1"},
                   "Storage":{"Layers":[{"Id":"id-of-top","Path":"C:\\\\layers\\\\top"},
                                        {"Id":"id-of-middle","Path":"C:\\\\layers\\\\middle"},
                                        {"Id":"id-of-base","Path":"C:\\\\layers\\\\base"}],
                              "Path":"\\\\\\\\?\\\\Volume{11111111-2222-3333-4444-555555555555}\\\\"},
                   "MappedDirectories":[{"HostPath":"D:\\\\data","ContainerPath":"C:\\\\data","ReadOnly":true},
                                        {"HostPath":"D:\\\\logs","ContainerPath":"C:\\\\logs"}],
                   "Networking":{"AllowUnqualifiedDnsQuery":true,"DnsSearchList":"corp.example,example",
                                 "Namespace":"8a1b2c3d-0000-4000-8000-000000000001"}}}""",
                ArgonDocuments.computeSystem(bundle, "hatchway", VOLUME, LAYER_ID));
    }

    @Test
    void aBareBundleMakesABareContainer() throws Exception {
        Bundle bundle = bundle("""
                {"ociVersion":"1.1.0","process":{"commandLine":"ping -t localhost"},
                 "windows":{"layerFolders":["C:\\\\base","C:\\\\scratch"]}}""");
        assertJson("""
                {"Owner":"o","SchemaVersion":{"Major":2,"Minor":1},"ShouldTerminateOnLastHandleClosed":true,
                 "Container":{"Storage":{"Layers":[{"Id":"id-of-base","Path":"C:\\\\base"}],"Path":"C:\\\\scratch"}}}""",
                ArgonDocuments.computeSystem(bundle, "o", "C:\\scratch", LAYER_ID));
    }

    @Test
    void takesAPremountedVolumeFromRootPath() throws Exception {
        String config = "{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"cmd\"]},\"root\":{\"path\":\"%s\"},"
                + "\"windows\":{\"layerFolders\":[\"C:\\\\\\\\base\",\"C:\\\\\\\\scratch\"]}}";
        String withoutSlash = VOLUME.substring(0, VOLUME.length() - 1);
        assertEquals(Optional.of(VOLUME), ArgonDocuments.premountedVolume(bundle(config.formatted(withoutSlash.replace("\\", "\\\\")))),
                "a trailing backslash is added");
        assertEquals(Optional.of(VOLUME), ArgonDocuments.premountedVolume(bundle(config.formatted(VOLUME.replace("\\", "\\\\")))));
        HatchwayException e = assertThrows(HatchwayException.class, () -> ArgonDocuments.premountedVolume(bundle(config.formatted("rootfs"))));
        assertEquals(ErrorKind.InvalidArgument, e.kind());
        assertEquals("InvalidArgument: bundle '" + dir + "': config.json root.path: 'rootfs' must be a volume GUID path"
                + " in the format '\\\\?\\Volume{GUID}\\'", e.getMessage());
    }

    @Test
    void refusesWhatCannotBeAProcessIsolatedContainer() throws Exception {
        String process = "\"process\":{\"args\":[\"cmd\"]}";
        assertRefused(ErrorKind.InvalidArgument, "config.json windows: missing", "{\"ociVersion\":\"1\"," + process + "}");
        assertRefused(ErrorKind.InvalidArgument, "must pass at least two folders",
                "{\"ociVersion\":\"1\"," + process + ",\"windows\":{\"layerFolders\":[\"C:\\\\\\\\scratch\"]}}");
        assertRefused(ErrorKind.InvalidArgument, "windows.layerFolders: must be an array of strings",
                "{\"ociVersion\":\"1\"," + process + ",\"windows\":{\"layerFolders\":\"C:\\\\\\\\x\"}}");
        assertRefused(ErrorKind.NotImplemented, "hypervisor-isolated",
                "{\"ociVersion\":\"1\"," + process + ",\"windows\":{\"layerFolders\":[\"a\",\"b\"],\"hyperv\":{}}}");
        assertRefused(ErrorKind.InvalidArgument, "root.readonly",
                "{\"ociVersion\":\"1\"," + process + ",\"root\":{\"readonly\":true},\"windows\":{\"layerFolders\":[\"a\",\"b\"]}}");
        assertRefused(ErrorKind.InvalidArgument, "mounts[0]: a mount must have both a source and a destination",
                "{\"ociVersion\":\"1\"," + process + ",\"mounts\":[{\"destination\":\"C:\\\\\\\\d\"}],\"windows\":{\"layerFolders\":[\"a\",\"b\"]}}");
        assertRefused(ErrorKind.NotImplemented, "named pipe mounts",
                """
                {"ociVersion":"1",%s,"mounts":[{"destination":"\\\\\\\\.\\\\pipe\\\\p","source":"\\\\\\\\.\\\\pipe\\\\p"}],
                 "windows":{"layerFolders":["a","b"]}}""".formatted(process));
    }

    @Test
    void aLinuxBundleStillLoadsWithAWindowsSectionItIgnores() throws Exception {
        Bundle bundle = bundle("{\"ociVersion\":\"1\",\"process\":{\"args\":[\"true\"]},\"windows\":{\"layerFolders\":7},\"mounts\":{}}");
        assertEquals(List.of("true"), bundle.process().args());
        assertRefused(ErrorKind.InvalidArgument, "windows.layerFolders: must be an array of strings", bundle);
    }

    private void assertRefused(ErrorKind kind, String part, String config) throws Exception {
        assertRefused(kind, part, bundle(config));
    }

    private static void assertRefused(ErrorKind kind, String part, Bundle bundle) {
        HatchwayException e = assertThrows(HatchwayException.class,
                () -> ArgonDocuments.computeSystem(bundle, "o", "C:\\scratch", LAYER_ID));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().startsWith(kind + ": bundle '"), e.getMessage());
    }

    @Test
    void processParametersAreHcsshims() throws Exception {
        ProcessSpec spec = bundle(SAMPLE).process();
        assertJson("""
                {"CommandLine":"cmd /c \\"echo hello\\"","User":"ContainerUser","WorkingDirectory":"C:\\\\",
                 "Environment":{"PATH":"C:\\\\Windows","A":"2"},
                 "CreateStdInPipe":true,"CreateStdOutPipe":true,"CreateStdErrPipe":true}""",
                ArgonDocuments.processParameters(spec, true, true, true));
        assertJson("{\"CommandLine\":\"cmd /c \\\"echo hello\\\"\",\"User\":\"ContainerUser\",\"WorkingDirectory\":\"C:\\\\\","
                + "\"Environment\":{\"PATH\":\"C:\\\\Windows\",\"A\":\"2\"},\"CreateStdOutPipe\":true}",
                ArgonDocuments.processParameters(spec, false, true, false));
    }

    @Test
    void theSpecsOwnCommandLineIsUsedAsIs() {
        ProcessSpec spec = ProcessSpec.parse("{\"args\":[\"ignored\",\"a b\"],\"commandLine\":\"app.exe \\\"a b\\\" c\"}");
        assertEquals("app.exe \"a b\" c", ArgonDocuments.processParameters(spec, false, true, true).commandLine());
        ProcessSpec escaped = ProcessSpec.parse("{\"args\":[\"C:\\\\Program Files\\\\app.exe\",\"say \\\"hi\\\"\",\"\"]}");
        assertEquals("\"C:\\Program Files\\app.exe\" \"say \\\"hi\\\"\" \"\"",
                ArgonDocuments.processParameters(escaped, false, true, true).commandLine());
    }

    @Test
    void aTerminalIsAnEmulatedConsoleOfTheSpecsSizeWithoutAStderrPipe() throws Exception {
        ProcessSpec spec = ProcessSpec.parse("{\"args\":[\"cmd\"],\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80}}");
        ProcessParameters parameters = ArgonDocuments.processParameters(spec, true, true, true);
        assertJson("""
                {"CommandLine":"cmd","EmulateConsole":true,"CreateStdInPipe":true,"CreateStdOutPipe":true,"ConsoleSize":[24,80]}""",
                parameters);
        assertJson("{\"CommandLine\":\"cmd\",\"EmulateConsole\":true,\"CreateStdOutPipe\":true}",
                ArgonDocuments.processParameters(ProcessSpec.parse("{\"args\":[\"cmd\"],\"terminal\":true}"), false, true, true));
    }

    @Test
    void theEnvironmentIsHcsshimsMap() {
        assertEquals(Map.of("A", "2", "B", "x=y"), ArgonDocuments.environment(List.of("A=1", "EMPTY=", "B=x=y", "A=2")));
        assertEquals(List.of("Z", "A"), List.copyOf(ArgonDocuments.environment(List.of("Z=1", "A=1")).keySet()), "in the spec's order");
    }
}
