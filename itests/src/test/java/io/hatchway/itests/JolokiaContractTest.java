package io.hatchway.itests;

import static io.hatchway.testsupport.JolokiaClient.bulk;
import static io.hatchway.testsupport.JolokiaClient.execRequest;
import static io.hatchway.testsupport.JolokiaClient.readRequest;
import static io.hatchway.testsupport.TaskClient.MARKER;
import static io.hatchway.testsupport.TaskClient.SIGKILL;
import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.WAIT_MILLIS;
import static io.hatchway.testsupport.TaskClient.process;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.Leftovers;
import io.hatchway.testsupport.TaskClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CONTRACT scenarios driven the way a script drives them: JSON over real HTTP to the agent's
 * Jolokia, in child JVMs on every installed JDK, with the agent loaded both ways a user loads it —
 * {@code -javaagent} at start-up, and the attach CLI into a JVM that is already running.
 */
class JolokiaContractTest {
    private static final String TASK_SERVICE = "hatchway:type=TaskService";
    private static final String TASK = "hatchway:type=Task,name=t1";
    private static final List<String> EXECS = List.of("e1", "e2", "e3");

    /** How the agent gets into the host JVM. */
    enum Loading {
        JAVAAGENT("-javaagent"), ATTACH("attach CLI");

        private final String label;

        Loading(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    @TempDir
    Path dir;

    static Stream<Arguments> jdksAndLoadings() {
        return Jdk.all().flatMap(jdk -> Stream.of(Loading.values()).map(loading -> Arguments.of(jdk, loading)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("jdksAndLoadings")
    void theContractScenariosOverHttp(Jdk jdk, Loading loading) throws Exception {
        jdk.assumeInstalled();
        Path stateDir = dir.resolve("state");
        String options = "backend=process,port=0,stateDir=" + stateDir;
        try (ChildJvm host = ChildJvm.startHost(jdk.java(), loading == Loading.JAVAAGENT ? options : null)) {
            String url;
            if (loading == Loading.ATTACH) {
                ChildJvm cli = ChildJvm.cli(jdk.java(), "start", Long.toString(host.pid()), options);
                assertEquals(0, cli.exitStatus(), "start exits 0: " + cli.stdout() + cli.stderr());
                assertTrue(cli.stdout().get(0).startsWith("Hatchway started in " + host.pid()), cli.stdout().toString());
                url = host.jolokiaUrl();
                assertTrue(cli.stdout().get(0).endsWith("Jolokia at " + url), "the CLI names the URL: " + cli.stdout());
            } else {
                url = host.jolokiaUrl();
            }
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(url, stateDir);

            assertEquals(jdk.feature(), jolokia.read("java.lang:type=Runtime", "SpecVersion").asText(),
                    "the host runs on " + jdk);
            assertEquals("process", jolokia.read(TASK_SERVICE, "Backend").asText());
            assertEquals(url, jolokia.read(TASK_SERVICE, "JolokiaUrl").asText());

            scenario(jolokia, TaskClient.bundle(dir.resolve("bundle"), SLEEP));

            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
            assertTrue(host.stdout().contains(HostMain.DONE), "the host's main ran to its end");
            host.assertNoStackTrace();
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    private static void scenario(JolokiaClient jolokia, Path bundle) throws Exception {
        // createTask, start
        assertEquals(0, jolokia.exec(TASK_SERVICE, "createTask", "t1", bundle.toString(), "").asInt(),
                "the init exec is created, not started");
        JsonNode created = jolokia.exec(TASK, "state", "");
        assertEquals("created", created.get("status").asText());
        assertEquals(0, created.get("pid").asInt());
        assertEquals(255, created.get("exitStatus").asLong());
        assertEquals("", created.get("exitedAt").asText());
        int initPid = jolokia.exec(TASK, "start", "").asInt();
        assertTrue(ProcessHandle.of(initPid).isPresent(), "the init process runs on the host");

        // createExec x3, start, state
        Map<String, Integer> execPids = new HashMap<>();
        for (String execId : EXECS) {
            jolokia.exec(TASK, "createExec", execId, process(SLEEP));
            assertEquals("created", jolokia.exec(TASK, "state", execId).get("status").asText(), "created, not started");
            execPids.put(execId, jolokia.exec(TASK, "start", execId).asInt());
        }
        assertEquals(3, new HashSet<>(execPids.values()).size(), "each exec has a process of its own: " + execPids);
        for (String execId : EXECS) {
            JsonNode state = jolokia.exec(TASK, "state", execId);
            assertEquals("running", state.get("status").asText());
            assertEquals(execId, state.get("execId").asText());
            assertEquals("t1", state.get("id").asText());
            assertEquals((int) execPids.get(execId), state.get("pid").asInt());
        }
        JsonNode init = jolokia.exec(TASK, "state", "");
        assertEquals("t1", init.get("execId").asText(), "the init exec reports the task id");
        assertEquals(initPid, init.get("pid").asInt());

        // pids: the init process, each exec's own process, and their children
        Map<Integer, String> execIdByPid = new HashMap<>();
        for (JsonNode process : jolokia.exec(TASK, "pids")) {
            execIdByPid.put(process.get("processId").asInt(), process.get("execId").asText());
            assertFalse(process.get("imageName").asText().isEmpty(), process.toString());
        }
        assertEquals("t1", execIdByPid.get(initPid), "pids: " + execIdByPid);
        execPids.forEach((execId, pid) -> assertEquals(execId, execIdByPid.get(pid), "pids: " + execIdByPid));

        // stats of a running task: real figures
        JsonNode stats = jolokia.exec(TASK, "stats").get("container");
        assertTrue(stats.get("pidsCurrent").asInt() >= 4, "init and 3 execs at least: " + stats);
        assertTrue(stats.get("memoryUsageBytes").asLong() > 0, stats.toString());

        errors(jolokia, bundle);
        bulkExec(jolokia);

        // killExec all reaches every exec, then the init exec
        assertTrue(jolokia.exec(TASK, "killExec", "", SIGKILL, true).isNull());
        for (String execId : EXECS) {
            JsonNode exited = jolokia.exec(TASK, "waitExec", execId, WAIT_MILLIS);
            assertEquals(128 + SIGKILL, exited.get("exitStatus").asLong(), execId + " was killed: " + exited);
            assertNotEquals("", exited.get("exitedAt").asText());
        }
        assertEquals(128 + SIGKILL, jolokia.exec(TASK, "waitExec", "", WAIT_MILLIS).get("exitStatus").asLong());

        // deleteExec: the execs, then the init exec, which takes the task along
        for (String execId : EXECS) {
            JsonNode deleted = jolokia.exec(TASK, "deleteExec", execId);
            assertEquals((int) execPids.get(execId), deleted.get("pid").asInt());
            assertEquals(128 + SIGKILL, deleted.get("exitStatus").asLong());
        }
        JsonNode deleted = jolokia.exec(TASK, "deleteExec", "");
        assertEquals(initPid, deleted.get("pid").asInt());
        assertEquals(128 + SIGKILL, deleted.get("exitStatus").asLong());
        assertEquals(0, jolokia.read(TASK_SERVICE, "TaskIds").size(), "no task left");
        JsonNode gone = jolokia.post(readRequest(TASK, "Status"));
        assertEquals(404, gone.get("status").asInt(), "a deleted task's MBean is gone: " + gone);
        JolokiaClient.assertNoErrorDetails(gone);
        List<Integer> pids = new ArrayList<>(execPids.values());
        pids.add(initPid);
        await("the task's processes to end").atMost(ChildJvm.TIMEOUT)
                .until(() -> pids.stream().allMatch(pid -> ProcessHandle.of(pid).map(Leftovers::ended).orElse(true)));
    }

    /** Each failure arrives with its kind first in {@code error}, no stack trace, and changes nothing. */
    private static void errors(JolokiaClient jolokia, Path bundle) throws Exception {
        assertEquals("NotFound: exec: 'nope' in task: 't1' not found",
                jolokia.error("NotFound", execRequest(TASK, "state", "nope")));
        assertEquals("AlreadyExists: exec: 'e1' in task: 't1' already exists",
                jolokia.error("AlreadyExists", execRequest(TASK, "createExec", "e1", process(SLEEP))));
        assertEquals("AlreadyExists: exec: 't1' in task: 't1' already exists",
                jolokia.error("AlreadyExists", execRequest(TASK, "createExec", "t1", process(SLEEP))));
        assertEquals("FailedPrecondition: exec: 'e1' in task: 't1' is in invalid state: 'running' for start",
                jolokia.error("FailedPrecondition", execRequest(TASK, "start", "e1")));
        assertEquals("FailedPrecondition: cannot signal all for non-empty exec: 'e1'",
                jolokia.error("FailedPrecondition", execRequest(TASK, "killExec", "e1", SIGKILL, true)));
        assertEquals("FailedPrecondition: signal 0: invalid signal value",
                jolokia.error("FailedPrecondition", execRequest(TASK, "killExec", "e1", 0, false)));
        assertEquals("FailedPrecondition: exec: 'e1' in task: 't1' is in invalid state: 'running' for delete",
                jolokia.error("FailedPrecondition", execRequest(TASK, "deleteExec", "e1")));
        jolokia.error("InvalidArgument", execRequest(TASK, "createExec", "e4", "{\"args\":[]}"));
        jolokia.error("InvalidArgument", execRequest(TASK_SERVICE, "createTask", "bad id!", bundle.toString(), ""));
        jolokia.error("DeadlineExceeded", execRequest(TASK, "waitExec", "e1", 200L));

        // asking for the details changes nothing: Jolokia's processing parameters, in the body and in the URL
        ObjectNode askingForDetails = execRequest(TASK, "state", "nope");
        askingForDetails.putObject("config").put("includeStackTrace", "true").put("serializeException", "true")
                .put("allowErrorDetails", "true");
        jolokia.error("NotFound", askingForDetails);
        JolokiaClient detailsInUrl =
                jolokia.at(jolokia.url() + "?includeStackTrace=true&serializeException=true&allowErrorDetails=true");
        detailsInUrl.error("NotFound", execRequest(TASK, "state", "nope"));

        for (String execId : EXECS) {
            assertEquals("running", jolokia.exec(TASK, "state", execId).get("status").asText(), "failures change nothing");
        }
        assertEquals(Set.of("e1", "e2", "e3"), strings(jolokia.read(TASK, "ExecIds")));
        assertEquals(Set.of("t1"), strings(jolokia.read(TASK_SERVICE, "TaskIds")), "no half-created task");
    }

    /** One bulk request — a JSON array — that creates, starts, waits for and deletes an exec, in order. */
    private static void bulkExec(JolokiaClient jolokia) throws Exception {
        String exitThree = "{\"args\":[\"/bin/sh\",\"-c\",\"exit 3\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + MARKER
                + "\"],\"cwd\":\"/\"}";
        JsonNode[] requests = {
            execRequest(TASK, "createExec", "b1", exitThree),
            execRequest(TASK, "start", "b1"),
            execRequest(TASK, "waitExec", "b1", WAIT_MILLIS),
            execRequest(TASK, "deleteExec", "b1"),
        };
        JsonNode answers = jolokia.post(bulk(requests));
        assertTrue(answers.isArray() && answers.size() == 4, "one answer per request, in order: " + answers);
        JolokiaClient.value(answers.get(0), requests[0]);
        int pid = JolokiaClient.value(answers.get(1), requests[1]).asInt();
        assertTrue(pid > 0, answers.get(1).toString());
        JsonNode waited = JolokiaClient.value(answers.get(2), requests[2]);
        assertEquals(3, waited.get("exitStatus").asLong(), "the exec's own exit code: " + waited);
        JsonNode deleted = JolokiaClient.value(answers.get(3), requests[3]);
        assertEquals(pid, deleted.get("pid").asInt());
        assertEquals(3, deleted.get("exitStatus").asLong());
        assertEquals(waited.get("exitedAt"), deleted.get("exitedAt"));
        assertEquals(Set.of("e1", "e2", "e3"), strings(jolokia.read(TASK, "ExecIds")), "b1 is gone");
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
