package io.hatchway.itests;

import static io.hatchway.testsupport.JolokiaClient.execRequest;
import static io.hatchway.testsupport.JolokiaClient.readRequest;
import static io.hatchway.testsupport.TaskClient.SLEEP;
import static io.hatchway.testsupport.TaskClient.process;
import static io.hatchway.testsupport.TaskClient.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.ErrorText;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.JMException;
import javax.management.ObjectName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Error hygiene as a remote client sees it: bad input swept over the real agent's JMX connector and
 * its Jolokia HTTP, on each backend this host runs (process always; runc as root with runc, conmon
 * and a static busybox; windows through hcs's stand-in for {@code computecore.dll}). Every answer starts with the kind CONTRACT.md gives that failure —
 * the same kind on every backend — and none shows a Java class name, an exception's
 * {@code toString()} or a stack frame. All answers are checked before the test fails, and the
 * report lists every one that broke the rule.
 */
class ErrorHygieneTest {
    private static final String TID = "t1";

    @TempDir
    Path dir;

    /** One bad call: what it is, the kind it must fail with, and the operation with its arguments. */
    private record Call(String what, String kind, ObjectName mbean, String operation, Object... arguments) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "runc", "windows"})
    void everyRefusalNamesItsKindAndNoJava(String backend) throws Exception {
        Path stateDir = dir.resolve("state");
        try (ChildJvm host = host(backend, stateDir)) {
            TaskClient client = new TaskClient(host.jmx());
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(host.jolokiaUrl(), stateDir);
            client.createTask(TID, goodBundle(backend, dir.resolve("bundles/" + TID)));
            client.start(TID, "");
            List<String> broken = new ArrayList<>();

            for (Call call : calls(backend)) {
                overJmx(client, call, broken);
                overJolokia(jolokia, call, broken);
            }
            jolokiaOwnRefusals(jolokia, broken);

            assertEquals(Set.of(TASK_SERVICE_NAME, "hatchway:name=t1,type=Task", "hatchway:name=t1,task=t1,type=Exec"),
                    client.hatchwayMBeans(), "no refused call left a task or exec behind");
            client.killAndDelete(TID);
            assertTrue(broken.isEmpty(), backend + ": " + broken.size() + " answers broke the rule:\n"
                    + String.join("\n", broken));
            host.assertNoStackTrace();
            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
        } finally {
            TaskClient.assertNoProcessLeft();
        }
    }

    private static final String TASK_SERVICE_NAME = "hatchway:type=TaskService";
    /** Where hcs's test build puts the stand-in for Windows' computecore.dll. */
    private static final Path STAND_IN = Path.of("../hcs/target/standin/libcomputecore.so");

    /** The sweep: the same bad input, and the same kind, for every backend. */
    private List<Call> calls(String backend) throws Exception {
        ObjectName service = TaskClient.TASK_SERVICE;
        ObjectName t1 = task(TID);
        String good = goodBundle(backend, dir.resolve("bundles/good")).toString();
        Path configIsADirectory = Files.createDirectories(dir.resolve("bundles/dir-config/config.json"));
        Path notJson = Files.createDirectories(dir.resolve("bundles/not-json"));
        Files.writeString(notJson.resolve("config.json"), "{ not json");
        Path noProcess = Files.createDirectories(dir.resolve("bundles/no-process"));
        Files.writeString(noProcess.resolve("config.json"), "{\"ociVersion\":\"1.0.2\"}");
        Path badProcess = Files.createDirectories(dir.resolve("bundles/bad-process"));
        Files.writeString(badProcess.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":\"sh\"}}");
        String missingDir = dir.resolve("no-such-dir/out.log").toString();
        List<Call> calls = new ArrayList<>(List.of(
                new Call("a missing bundle", "InvalidArgument", service, "createTask", "b1",
                        dir.resolve("missing").toString(), ""),
                new Call("a relative bundle", "InvalidArgument", service, "createTask", "b1", "relative/bundle", ""),
                new Call("a config.json that is a directory", "InvalidArgument", service, "createTask", "b1",
                        configIsADirectory.getParent().toString(), ""),
                new Call("a config.json that is not JSON", "InvalidArgument", service, "createTask", "b1",
                        notJson.toString(), ""),
                new Call("a config.json without process", "InvalidArgument", service, "createTask", "b1",
                        noProcess.toString(), ""),
                new Call("a config.json with a bad process", "InvalidArgument", service, "createTask", "b1",
                        badProcess.toString(), ""),
                new Call("options that are not JSON", "InvalidArgument", service, "createTask", "b1", good, "{not json"),
                new Call("an unknown option", "InvalidArgument", service, "createTask", "b1", good,
                        "{\"isolaton\":\"none\"}"),
                new Call("a bad isolation", "InvalidArgument", service, "createTask", "b1", good,
                        "{\"isolation\":\"hypervisor\"}"),
                new Call("a bad task id", "InvalidArgument", service, "createTask", "a b", good, ""),
                new Call("a taken task id", "AlreadyExists", service, "createTask", TID, good, ""),
                new Call("a process that is not JSON", "InvalidArgument", t1, "createExec", "e1", "not json"),
                new Call("a process of the wrong shape", "InvalidArgument", t1, "createExec", "e1", "{\"args\":\"sh\"}"),
                new Call("a process with no command", "InvalidArgument", t1, "createExec", "e1", "{\"args\":[]}"),
                new Call("a NUL in an argument", "InvalidArgument", t1, "createExec", "e1",
                        "{\"args\":[\"/bin/echo\",\"a\\u0000b\"]}"),
                new Call("a NUL in an env entry", "InvalidArgument", t1, "createExec", "e1",
                        "{\"args\":[\"/bin/true\"],\"env\":[\"A=b\\u0000c\"]}"),
                new Call("a relative stdout", "InvalidArgument", t1, "createExec", "e1",
                        "{\"args\":[\"/bin/true\"],\"stdout\":\"out.log\"}"),
                new Call("an empty stdin", "InvalidArgument", t1, "createExec", "e1",
                        "{\"args\":[\"/bin/true\"],\"stdin\":\"\"}"),
                new Call("a taken exec id", "AlreadyExists", t1, "createExec", TID, process(SLEEP)),
                new Call("a bad exec id", "InvalidArgument", t1, "createExec", "a/b", process(SLEEP)),
                new Call("an unknown exec: start", "NotFound", t1, "start", "nope"),
                new Call("an unknown exec: state", "NotFound", t1, "state", "nope"),
                new Call("an unknown exec: killExec", "NotFound", t1, "killExec", "nope", 9, false),
                new Call("an unknown exec: deleteExec", "NotFound", t1, "deleteExec", "nope"),
                new Call("an unknown exec: waitExec", "NotFound", t1, "waitExec", "nope", 100L),
                new Call("an unknown exec: closeIO", "NotFound", t1, "closeIO", "nope", true),
                new Call("an unknown exec: resizePty", "NotFound", t1, "resizePty", "nope", 80, 24),
                new Call("signal 64", "FailedPrecondition", t1, "killExec", "", 64, false),
                new Call("signal -1, to all", "FailedPrecondition", t1, "killExec", "", -1, true),
                new Call("a negative timeout", "InvalidArgument", t1, "waitExec", "", -1L),
                new Call("a wait that expires", "DeadlineExceeded", t1, "waitExec", "", 0L),
                new Call("a resize of no tty", "FailedPrecondition", t1, "resizePty", "", 80, 24),
                new Call("a start of a running exec", "FailedPrecondition", t1, "start", ""),
                new Call("a share on a task that is not isolated", "FailedPrecondition", t1, "share", "/tmp", "/mnt", true),
                new Call("execInHost of no JSON", "InvalidArgument", t1, "execInHost", "not json", 1000L),
                new Call("execInHost on a task that is not isolated", "FailedPrecondition", t1, "execInHost",
                        process("true"), 1000L),
                // Each new exec is created afresh by the sweep's own createExec below, so these
                // start calls fail at start, where the file is opened.
                new Call("a stdout in a missing directory", "InvalidArgument", t1, "createAndStart", "o1",
                        "{\"args\":[\"/bin/true\"],\"cwd\":\"/\",\"stdout\":\"" + missingDir + "\"}"),
                new Call("a missing binary", "InvalidArgument", t1, "createAndStart", "o2",
                        "{\"args\":[\"/nonexistent/hatchway-binary\"],\"cwd\":\"/\"}")));
        if (!backend.equals("windows")) {
            // A Linux backend checks a share's paths first (ComputeSystem.share); the windows
            // backend's process-isolated task answers "task is not isolated" before any path rule,
            // as hcsshim does.
            calls.add(new Call("a share with a relative path", "InvalidArgument", t1, "share", "relative", "/mnt", true));
        }
        return calls;
    }

    /** A host with the agent on {@code backend}, or the test skipped, saying why, where it cannot run. */
    private static ChildJvm host(String backend, Path stateDir) throws IOException {
        String options = "backend=" + backend + ",port=0,stateDir=" + stateDir;
        if (backend.equals("runc")) {
            BusyboxBundle.assumeContainersWork();
        }
        if (!backend.equals("windows")) {
            return ChildJvm.startHost(options);
        }
        Path standIn = STAND_IN.toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(standIn), "the computecore.dll stand-in is not built (hcs's test build makes "
                + STAND_IN + ")");
        return ChildJvm.start(ChildJvm.defaultJava(), List.of("-Dhatchway.computecore.library=" + standIn,
                "-javaagent:" + ChildJvm.agentJar() + "=" + options, "-cp", ChildJvm.hostClassPath(),
                HostMain.class.getName()), HostMain.RUNNING);
    }

    /** The bundle of a task that runs {@code sleep 600} on {@code backend}. */
    private static Path goodBundle(String backend, Path dir) throws Exception {
        return switch (backend) {
            case "runc" -> BusyboxBundle.create(dir, "sleep", "600");
            case "windows" -> windowsBundle(dir);
            default -> TaskClient.bundle(dir, SLEEP);
        };
    }

    /** The process backend's bundle with {@code windows.layerFolders}: two empty layers, the scratch last. */
    private static Path windowsBundle(Path dir) throws IOException {
        TaskClient.bundle(dir, SLEEP);
        ObjectNode config = (ObjectNode) JolokiaClient.JSON.readTree(dir.resolve("config.json").toFile());
        config.putObject("windows").putArray("layerFolders")
                .add(Files.createDirectories(dir.resolve("layers/base")).toString())
                .add(Files.createDirectories(dir.resolve("layers/scratch")).toString());
        Files.writeString(dir.resolve("config.json"), config.toString());
        return dir;
    }

    private static void overJmx(TaskClient client, Call call, List<String> broken) throws Exception {
        String where = "JMX, " + call.what() + " (" + call.operation() + ")";
        try {
            Object result = call.operation().equals("createAndStart") ? createAndStartOverJmx(client, call)
                    : client.invoke(call.mbean(), call.operation(), call.arguments());
            broken.add(where + ": succeeded with " + result);
        } catch (JMException | RuntimeException e) { // MBeanException, RuntimeMBeanException, RuntimeOperationsException
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (!cause.getClass().getName().startsWith("java.")) {
                broken.add(where + ": not a java.* exception: " + cause.getClass().getName());
            }
            check(where, call.kind(), cause.getMessage(), broken);
        } finally {
            if (call.operation().equals("createAndStart")) {
                deleteQuietly(client, (String) call.arguments()[0]);
            }
        }
    }

    /** createExec (which must succeed: the file is not opened yet) and then start, which must fail. */
    private static Object createAndStartOverJmx(TaskClient client, Call call) throws Exception {
        client.invoke(call.mbean(), "createExec", call.arguments());
        return client.invoke(call.mbean(), "start", call.arguments()[0]);
    }

    private static void deleteQuietly(TaskClient client, String execId) {
        try {
            client.invoke(task(TID), "deleteExec", execId);
        } catch (Exception e) { // never created, or already gone: nothing to delete
        }
    }

    private static void overJolokia(JolokiaClient jolokia, Call call, List<String> broken) throws Exception {
        String where = "Jolokia, " + call.what() + " (" + call.operation() + ")";
        String mbean = call.mbean().toString();
        JsonNode answer;
        if (call.operation().equals("createAndStart")) {
            String execId = (String) call.arguments()[0];
            JsonNode created = jolokia.post(execRequest(mbean, "createExec", call.arguments()));
            if (created.path("status").asInt() != 200) {
                broken.add(where + ": createExec failed: " + created);
                return;
            }
            answer = jolokia.post(execRequest(mbean, "start", execId));
            jolokia.post(execRequest(mbean, "deleteExec", execId));
        } else {
            answer = jolokia.post(execRequest(mbean, call.operation(), call.arguments()));
        }
        checkAnswer(where, call.kind(), answer, broken);
    }

    /** Refusals Jolokia's own layer makes: they follow the same rule. */
    private static void jolokiaOwnRefusals(JolokiaClient jolokia, List<String> broken) throws Exception {
        String service = TaskClient.TASK_SERVICE.toString();
        checkAnswer("Jolokia, an unknown MBean", "NotFound",
                jolokia.post(readRequest("hatchway:type=Task,name=nope", "Status")), broken);
        checkAnswer("Jolokia, an unknown attribute", "NotFound", jolokia.post(readRequest(service, "Nope")), broken);
        checkAnswer("Jolokia, an unknown operation", "NotFound", jolokia.post(execRequest(service, "nope")), broken);
        checkAnswer("Jolokia, an extra argument", "InvalidArgument",
                jolokia.post(execRequest(service, "createTask", "x", "/tmp", "", "one too many")), broken);
        checkAnswer("Jolokia, a missing argument", "InvalidArgument",
                jolokia.post(execRequest(task(TID).toString(), "start")), broken);
        checkAnswer("Jolokia, a string for an int", "InvalidArgument",
                jolokia.post(execRequest(task(TID).toString(), "killExec", "", "nine", false)), broken);
        checkAnswer("Jolokia, a write to a read-only attribute", "InvalidArgument",
                jolokia.post(((ObjectNode) readRequest(service, "Backend")).put("type", "write").put("value", "x")),
                broken, "NotImplemented", "NotFound", "PermissionDenied");
        HttpResponse<String> notJson = jolokia.send("{ not json");
        checkAnswer("Jolokia, a body that is not JSON", "InvalidArgument", JolokiaClient.JSON.readTree(notJson.body()),
                broken);
        checkAnswer("Jolokia, an unknown request type", "InvalidArgument",
                JolokiaClient.JSON.readTree(jolokia.send("{\"type\":\"nope\"}").body()), broken);
        checkAnswer("Jolokia, a GET (POST only)", "NotImplemented", JolokiaClient.JSON.readTree(
                jolokia.send("GET", "read/hatchway:type=Nope/Status", null, Map.of()).body()), broken);
    }

    private static void checkAnswer(String where, String kind, JsonNode answer, List<String> broken, String... alsoFine) {
        if (answer.path("status").asInt() == 200) {
            broken.add(where + ": succeeded: " + answer);
            return;
        }
        if (answer.has("stacktrace") || answer.has("error_value")) {
            broken.add(where + ": carries a stack trace or a serialized exception: " + answer);
        }
        String error = answer.path("error").asText();
        for (String other : alsoFine) {
            if (error.startsWith(other + ": ")) {
                check(where, other, error, broken);
                return;
            }
        }
        check(where, kind, error, broken);
    }

    private static void check(String where, String kind, String message, List<String> broken) {
        System.out.println("[error hygiene] " + where + " -> " + message);
        if (message == null || !message.startsWith(kind + ": ")) {
            broken.add(where + ": expected '" + kind + ": ...', got: " + message);
        } else if (ErrorText.showsJava(message)) {
            broken.add(where + ": shows Java: " + message);
        }
    }
}
