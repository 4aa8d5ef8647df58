package io.hatchway.hcs.windows.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.oci.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Each document against JSON written by hand from hcsshim's {@code internal/hcs/schema2} json tags
 * (and the research notes' captured examples), so a misspelled or extra name fails here.
 */
class DocumentsTest {

    private static void assertJson(String expected, Object document) throws Exception {
        assertEquals(Json.MAPPER.readTree(expected), Json.MAPPER.readTree(Json.write(document)), Json.write(document));
    }

    @Test
    void aProcessIsolatedContainerIsSchemaTwoOneTerminatedOnLastHandleClose() throws Exception {
        Container container = new Container(new GuestOs("web"),
                new Storage(List.of(new Layer("0d3f5a2e-1111-2222-3333-444455556666", "C:\\layers\\top"),
                        new Layer("9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff", "C:\\layers\\base")),
                        "\\\\?\\Volume{11111111-2222-3333-4444-555555555555}\\"),
                List.of(new MappedDirectory("C:\\data", "C:\\data", true), new MappedDirectory("C:\\logs", "C:\\logs", false)),
                new Networking(true, "corp.example,example", "", "8a1b2c3d-0000-4000-8000-000000000001"));
        assertJson("""
                {"Owner":"hatchway","SchemaVersion":{"Major":2,"Minor":1},"ShouldTerminateOnLastHandleClosed":true,
                 "Container":{
                   "GuestOs":{"HostName":"web"},
                   "Storage":{"Layers":[{"Id":"0d3f5a2e-1111-2222-3333-444455556666","Path":"C:\\\\layers\\\\top"},
                                        {"Id":"9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff","Path":"C:\\\\layers\\\\base"}],
                              "Path":"\\\\\\\\?\\\\Volume{11111111-2222-3333-4444-555555555555}\\\\"},
                   "MappedDirectories":[{"HostPath":"C:\\\\data","ContainerPath":"C:\\\\data","ReadOnly":true},
                                        {"HostPath":"C:\\\\logs","ContainerPath":"C:\\\\logs"}],
                   "Networking":{"AllowUnqualifiedDnsQuery":true,"DnsSearchList":"corp.example,example",
                                 "Namespace":"8a1b2c3d-0000-4000-8000-000000000001"}}}""",
                ComputeSystem.container("hatchway", container));
    }

    @Test
    void emptyPartsAreLeftOutAsGoOmitemptyLeavesThemOut() throws Exception {
        assertJson("{\"Container\":{\"Storage\":{}}}",
                new ComputeSystem(null, null, new Container(null, new Storage(List.of(), ""), List.of(), null), null, false));
        assertJson("{}", new ProcessParameters(null, "", null, Map.of(), false, false, false, false, List.of()));
    }

    @Test
    void processParametersCarryTheCapturedNames() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "C:\\Windows\\system32;C:\\Windows");
        assertJson("""
                {"CommandLine":"cmd /c echo hello","User":"ContainerUser","WorkingDirectory":"C:\\\\",
                 "Environment":{"PATH":"C:\\\\Windows\\\\system32;C:\\\\Windows"},
                 "CreateStdInPipe":true,"CreateStdOutPipe":true,"CreateStdErrPipe":true}""",
                new ProcessParameters("cmd /c echo hello", "ContainerUser", "C:\\", env, false, true, true, true, null));
        assertJson("""
                {"CommandLine":"cmd","EmulateConsole":true,"CreateStdInPipe":true,"CreateStdOutPipe":true,"ConsoleSize":[24,80]}""",
                new ProcessParameters("cmd", null, null, null, true, true, true, false, List.of(24, 80)));
    }

    @Test
    void modifyAndSignalDocumentsAreHcsshims() throws Exception {
        assertJson("{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":24,\"Width\":80}}",
                ProcessModifyRequest.resize(80, 24));
        assertJson("{\"Operation\":\"CloseHandle\",\"CloseHandle\":{\"Handle\":\"StdIn\"}}", ProcessModifyRequest.closeStdin());
        assertJson("{\"Signal\":\"CtrlShutdown\"}", new SignalProcessOptions("CtrlShutdown"));
        assertJson("{\"PropertyTypes\":[\"Statistics\"]}", PropertyQuery.of(PropertyQuery.STATISTICS));
        assertJson("{\"PropertyTypes\":[\"ProcessList\"]}", PropertyQuery.of(PropertyQuery.PROCESS_LIST));
        assertEquals("{}", Json.write(PropertyQuery.of()), "hcsshim's basic-properties query");
        assertJson("{\"Owners\":[\"hatchway\"]}", SystemQuery.ownedBy("hatchway"));
        assertJson("{\"Ids\":[\"a\"],\"Types\":[\"Container\"],\"Names\":[\"n\"],\"Owners\":[\"o\"]}",
                new SystemQuery(List.of("a"), List.of("Container"), List.of("n"), List.of("o")));
        assertJson("""
                {"ResourcePath":"Container/MappedDirectories","RequestType":"Add",
                 "Settings":{"HostPath":"C:\\\\data","ContainerPath":"C:\\\\data","ReadOnly":true}}""",
                ModifySettingRequest.addMappedDirectory(new MappedDirectory("C:\\data", "C:\\data", true)));
    }

    /** A Statistics answer as captured in the research notes, plus fields HCS may add. */
    @Test
    void statisticsAnswersAreReadAndFieldsHcsAddsAreIgnored() throws Exception {
        String answer = """
                {"Id":"t1","SystemType":"Container","RuntimeOsType":"windows","Owner":"hatchway","State":"Running",
                 "SomethingNew":{"Nested":[1,2]},
                 "Statistics":{"Timestamp":"2026-12-03T15:00:00.1234567Z","ContainerStartTime":"2026-12-03T14:59:00Z",
                   "Uptime100ns":600000000,"Future":1,
                   "Processor":{"TotalRuntime100ns":300,"RuntimeUser100ns":200,"RuntimeKernel100ns":100,"Extra":true},
                   "Memory":{"MemoryUsageCommitBytes":4096,"MemoryUsageCommitPeakBytes":8192,"MemoryUsagePrivateWorkingSetBytes":2048},
                   "Storage":{"ReadCountNormalized":1,"ReadSizeBytes":512,"WriteCountNormalized":2,"WriteSizeBytes":1024}}}""";
        Properties properties = Json.MAPPER.readValue(answer, Properties.class);
        assertEquals("t1", properties.id());
        assertEquals("Running", properties.state());
        Statistics statistics = properties.statistics();
        assertEquals(600000000L, statistics.uptime100ns());
        assertEquals(200L, statistics.processor().runtimeUser100ns());
        assertEquals(8192L, statistics.memory().memoryUsageCommitPeakBytes());
        assertEquals(1024L, statistics.storage().writeSizeBytes());
        assertEquals("2026-12-03T15:00:00.1234567Z", statistics.timestamp());
        assertEquals(withoutUnknown(answer), Json.MAPPER.readTree(Json.write(properties)), "every known name round-trips");
    }

    @Test
    void processListsReadUnsignedAndLargeNumbers() throws Exception {
        String answer = """
                {"Id":"t1","SystemType":"Container","ProcessList":[
                  {"CreateTimestamp":"2024-05-01T10:00:00Z","ImageName":"cmd.exe","KernelTime100ns":156250,
                   "MemoryCommitBytes":6000000000,"MemoryWorkingSetPrivateBytes":712704,"MemoryWorkingSetSharedBytes":3354624,
                   "ProcessId":4294967294,"UserTime100ns":7,"Unknown":"x"}]}""";
        Properties properties = Json.MAPPER.readValue(answer, Properties.class);
        ProcessDetails cmd = properties.processes().get(0);
        assertEquals(4294967294L, cmd.processId());
        assertEquals(7L, cmd.userTime100ns());
        assertEquals(156250L, cmd.kernelTime100ns());
        assertEquals(6000000000L, cmd.memoryCommitBytes());
        assertEquals("cmd.exe", cmd.imageName());
        assertEquals(withoutUnknown(answer), Json.MAPPER.readTree(Json.write(properties)));
        assertEquals(List.of(), Json.MAPPER.readValue("{\"Id\":\"x\",\"SystemType\":\"Container\"}", Properties.class).processes());
    }

    @Test
    void enumerationAnswersAreArraysOfProperties() throws Exception {
        Properties[] systems = Json.MAPPER.readValue("""
                [{"Id":"a","SystemType":"Container","Owner":"hatchway","RuntimeId":"r","New":0},
                 {"Id":"b","SystemType":"VirtualMachine","Owner":"someone-else"}]""", Properties[].class);
        assertEquals(List.of("hatchway", "someone-else"), List.of(systems[0].owner(), systems[1].owner()));
    }

    @Test
    void processStatusGivesTheExitCodeOnlyWhenTheWaitSucceeded() throws Exception {
        ProcessStatus exited = Json.MAPPER.readValue(
                "{\"ProcessId\":1234,\"Exited\":true,\"ExitCode\":4294967295,\"LastWaitResult\":0,\"New\":[]}", ProcessStatus.class);
        assertEquals(OptionalLong.of(4294967295L), exited.knownExitCode());
        assertTrue(exited.exited());
        ProcessStatus zero = Json.MAPPER.readValue("{\"ProcessId\":1234,\"Exited\":true}", ProcessStatus.class);
        assertEquals(OptionalLong.of(0), zero.knownExitCode(), "omitempty dropped the zero exit code");
        ProcessStatus failed = Json.MAPPER.readValue(
                "{\"ProcessId\":1234,\"Exited\":true,\"ExitCode\":3,\"LastWaitResult\":-2147024890}", ProcessStatus.class);
        assertEquals(OptionalLong.empty(), failed.knownExitCode());
        assertJson("{\"ProcessId\":1234,\"Exited\":true,\"ExitCode\":3,\"LastWaitResult\":-2147024890}", failed);
    }

    @Test
    void systemExitStatusTellsAnUnexpectedExit() throws Exception {
        SystemExitStatus status = Json.MAPPER.readValue(
                "{\"Status\":-1070137082,\"ExitType\":\"UnexpectedExit\",\"Attribution\":[{}]}", SystemExitStatus.class);
        assertTrue(status.unexpected());
        assertEquals(0xC0370106, status.status());
        assertFalse(Json.MAPPER.readValue("{\"Status\":0,\"ExitType\":\"GracefulExit\"}", SystemExitStatus.class).unexpected());
        assertJson("{\"Status\":-1070137082,\"ExitType\":\"UnexpectedExit\"}", status);
    }

    @Test
    void resultErrorsReadSignedOrUnsignedHresults() throws Exception {
        ResultError signed = Json.MAPPER.readValue("""
                {"Error":-2143878898,"ErrorMessage":"A compute system with the specified identifier does not exist.",
                 "ErrorEvents":[{"Message":"not found","Provider":"17103e3f-3c6e-4677-bb17-3b267eb5be57","EventId":11,
                                 "Flags":1,"Source":"vmcompute","Data":[{"Type":"String","Value":"x"}]}],
                 "Attribution":[]}""", ResultError.class);
        assertEquals(0x8037010E, signed.hresult());
        assertEquals("not found", signed.errorEvents().get(0).message());
        assertEquals(11, signed.errorEvents().get(0).eventId());
        ResultError unsigned = Json.MAPPER.readValue("{\"Error\":3224830222}", ResultError.class);
        assertEquals(0xC037010E, unsigned.hresult());
        assertJson("{\"Error\":3224830222}", unsigned);
    }

    /** {@code json} without the names no schema type holds, for comparing a round trip. */
    private static JsonNode withoutUnknown(String json) throws Exception {
        ObjectNode node = (ObjectNode) Json.MAPPER.readTree(json);
        node.remove("SomethingNew");
        ObjectNode statistics = (ObjectNode) node.get("Statistics");
        if (statistics != null) {
            statistics.remove("Future");
            ((ObjectNode) statistics.get("Processor")).remove("Extra");
        }
        if (node.has("ProcessList")) {
            node.get("ProcessList").forEach(item -> ((ObjectNode) item).remove("Unknown"));
        }
        return node;
    }
}
