package io.hatchway.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The task verbs of {@code java -jar hatchway-agent.jar <verb> <target> ...}, in the words of
 * containerd's {@code ctr task} and hcsshim's {@code shimdiag}: each is a few Jolokia calls on the
 * Task and Exec MBeans, printed as a table for people or as JSON ({@code --json}) for scripts.
 * {@link #run} returns the process's exit status: 0, or 1 with one line on stderr saying why;
 * {@code exec} returns the exec's own status. No JSON quoting is left to the user.
 */
public final class TaskCli {
    static final String SERVICE = "hatchway:type=TaskService";
    /** The verbs, with the operands and options each takes (the usage line). */
    public static final Map<String, String> VERBS = usage();
    /** How long one {@code waitExec} call of {@code exec} blocks before the CLI asks again. */
    static final long WAIT_SLICE_MILLIS = 60_000;
    static final Duration POLL = Duration.ofMillis(500);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> EVENT_FIELDS =
            List.of("taskId", "execId", "id", "bundle", "pid", "exitStatus", "exitedAt");
    private static final Set<String> FLAGS = Set.of("--json", "--all", "--stderr", "-f", "--read-only", "-t");

    private final PrintStream out;
    private final PrintStream err;
    private final JolokiaConnection agent;

    public TaskCli(PrintStream out, PrintStream err, JolokiaConnection agent) {
        this.out = out;
        this.err = err;
        this.agent = agent;
    }

    private static Map<String, String> usage() {
        Map<String, String> verbs = new LinkedHashMap<>();
        verbs.put("tasks", "");
        verbs.put("ps", "<task>");
        verbs.put("exec", "<task> [-t] [--id <exec>] [--env K=V]... [--cwd <dir>] -- <command> [<arg>...]");
        verbs.put("kill", "<task> [--exec <exec>] [--signal <n>] [--all]");
        verbs.put("delete", "<task> [--exec <exec>]");
        verbs.put("stats", "<task>");
        verbs.put("logs", "<task> [--exec <exec>] [--stderr] [-f]");
        verbs.put("stacks", "<task>");
        verbs.put("share", "<task> <hostPath> <guestPath> [--read-only]");
        verbs.put("events", "[<task>]");
        return Map.copyOf(verbs);
    }

    /** {@code arguments}: what follows the target on the command line. */
    public int run(String verb, List<String> arguments) {
        try {
            Arguments args = Arguments.parse(arguments);
            return switch (verb) {
                case "tasks" -> tasks(args);
                case "ps" -> ps(args);
                case "exec" -> exec(args);
                case "kill" -> kill(args);
                case "delete" -> delete(args);
                case "stats" -> stats(args);
                case "logs" -> logs(args);
                case "stacks" -> text(args, "dumpGuestStacks");
                case "share" -> share(args);
                case "events" -> events(args);
                default -> throw new ClientException("unknown verb '" + verb + "'");
            };
        } catch (ClientException e) {
            err.println("hatchway: " + e.getMessage());
            return 1;
        }
    }

    private int tasks(Arguments args) throws ClientException {
        args.operands(0, "tasks");
        ArrayNode rows = JSON.createArrayNode();
        for (JsonNode id : agent.read(SERVICE, "TaskIds")) {
            String task = taskName(id.asText());
            ObjectNode row = rows.addObject().put("id", id.asText());
            row.put("pid", agent.read(task, "Pid").asInt());
            row.put("status", agent.read(task, "Status").asText());
            row.set("execIds", agent.read(task, "ExecIds"));
        }
        if (args.json) {
            out.println(rows);
        } else {
            Table table = new Table("TASK", "PID", "STATUS", "EXECS");
            rows.forEach(r -> table.row(r.get("id").asText(), r.get("pid").asText(), r.get("status").asText(),
                    String.join(",", strings(r.get("execIds")))));
            table.print(out);
        }
        return 0;
    }

    private int ps(Arguments args) throws ClientException {
        String task = taskName(args.operands(1, "ps").get(0));
        JsonNode processes = agent.exec(task, "pids", Duration.ZERO);
        if (args.json) {
            out.println(processes);
            return 0;
        }
        Table table = new Table("PID", "EXEC", "IMAGE", "USER_MS", "KERNEL_MS", "MEMORY_BYTES");
        for (JsonNode p : processes) {
            table.row(p.path("processId").asText(), p.path("execId").asText(), p.path("imageName").asText(),
                    Long.toString(p.path("userTime100ns").asLong() / 10_000),
                    Long.toString(p.path("kernelTime100ns").asLong() / 10_000),
                    p.path("memoryWorkingSetPrivateBytes").asText());
        }
        table.print(out);
        return 0;
    }

    private int exec(Arguments args) throws ClientException {
        String taskId = args.operands(1, "exec").get(0);
        if (args.command.isEmpty()) {
            throw new ClientException("exec: no command; give it after '--'");
        }
        String task = taskName(taskId);
        String execId = args.option("--id").orElse("cli-" + ProcessHandle.current().pid());
        ObjectNode process = JSON.createObjectNode();
        ArrayNode argv = process.putArray("args");
        args.command.forEach(argv::add);
        if (!args.env.isEmpty()) {
            ArrayNode env = process.putArray("env");
            args.env.forEach(env::add);
        }
        args.option("--cwd").ifPresent(cwd -> process.put("cwd", cwd));
        if (args.terminal) {
            return terminalExec(task, execId, process);
        }
        agent.exec(task, "createExec", Duration.ZERO, execId, process.toString());
        Thread cleanup = new Thread(() -> abandon(task, execId), "hatchway-cli-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            int pid = agent.exec(task, "start", Duration.ZERO, execId).asInt();
            long status = awaitExit(task, execId);
            String exec = execName(taskId, execId);
            String stdout = agent.read(exec, "Stdout").asText();
            String stderr = agent.read(exec, "Stderr").asText();
            agent.exec(task, "deleteExec", Duration.ZERO, execId);
            if (args.json) {
                out.println(JSON.createObjectNode().put("execId", execId).put("pid", pid).put("exitStatus", status)
                        .put("stdout", stdout).put("stderr", stderr));
            } else {
                out.print(stdout);
                err.print(stderr);
            }
            return exitCodeOf(status);
        } catch (ClientException e) {
            abandon(task, execId);
            throw e;
        } finally {
            removeHook(cleanup);
        }
    }

    /** {@code exec -t}: the exec on a terminal, the local one raw meanwhile ({@link TerminalExec}). */
    private int terminalExec(String task, String execId, ObjectNode process) throws ClientException {
        Thread cleanup = new Thread(() -> abandon(task, execId), "hatchway-cli-cleanup");
        try {
            long status = new TerminalExec(out, System.in).run(process, new TerminalExec.Session() {
                @Override
                public void start(ObjectNode withTerminal) throws ClientException {
                    agent.exec(task, "createExec", Duration.ZERO, execId, withTerminal.toString());
                    Runtime.getRuntime().addShutdownHook(cleanup);
                    agent.exec(task, "start", Duration.ZERO, execId);
                }

                @Override
                public void resize(int width, int height) throws ClientException {
                    agent.exec(task, "resizePty", Duration.ZERO, execId, width, height);
                }

                @Override
                public long awaitExit() throws ClientException {
                    return TaskCli.this.awaitExit(task, execId);
                }
            });
            agent.exec(task, "deleteExec", Duration.ZERO, execId);
            return exitCodeOf(status);
        } catch (ClientException e) {
            abandon(task, execId);
            throw e;
        } finally {
            removeHook(cleanup);
        }
    }

    /** The CLI's own exit code for an exec's status: the status itself, 255 when it is unknown or out of range. */
    private static int exitCodeOf(long status) {
        return status >= 0 && status <= 255 ? (int) status : 255;
    }

    /** Waits for the exec in slices, each one bounded call; the CLI's own wait ends with the exec or Ctrl-C. */
    private long awaitExit(String task, String execId) throws ClientException {
        while (true) {
            try {
                return agent.exec(task, "waitExec", Duration.ofMillis(WAIT_SLICE_MILLIS), execId, WAIT_SLICE_MILLIS)
                        .path("exitStatus").asLong();
            } catch (ClientException e) {
                if (!e.getMessage().startsWith("DeadlineExceeded:")) {
                    throw e;
                }
            }
        }
    }

    /** Ctrl-C or a failure half-way: the exec this CLI made does not outlive it. */
    private void abandon(String task, String execId) {
        try {
            agent.exec(task, "killExec", Duration.ZERO, execId, 9, false);
            agent.exec(task, "waitExec", Duration.ofSeconds(5), execId, 5_000);
        } catch (ClientException e) { // not started, or already exited
        }
        try {
            agent.exec(task, "deleteExec", Duration.ZERO, execId);
        } catch (ClientException e) { // already deleted
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) { // the JVM is exiting: the hook runs
        }
    }

    private int kill(Arguments args) throws ClientException {
        String task = taskName(args.operands(1, "kill").get(0));
        int signal = args.intOption("--signal", 15);
        agent.exec(task, "killExec", Duration.ZERO, args.option("--exec").orElse(""), signal, args.all);
        return 0;
    }

    private int delete(Arguments args) throws ClientException {
        String taskId = args.operands(1, "delete").get(0);
        String execId = args.option("--exec").orElse("");
        JsonNode result = agent.exec(taskName(taskId), "deleteExec", Duration.ZERO, execId);
        if (args.json) {
            out.println(result);
        } else {
            out.println("deleted " + taskId + (execId.isEmpty() ? "" : "/" + execId) + ": pid "
                    + result.path("pid").asText() + ", exit status " + result.path("exitStatus").asText()
                    + (result.path("exitedAt").asText().isEmpty() ? "" : " at " + result.path("exitedAt").asText()));
        }
        return 0;
    }

    private int stats(Arguments args) throws ClientException {
        JsonNode stats = agent.exec(taskName(args.operands(1, "stats").get(0)), "stats", Duration.ZERO);
        if (args.json) {
            out.println(stats);
        } else {
            Table table = new Table("FIGURE", "VALUE");
            flatten("", stats, table);
            table.print(out);
        }
        return 0;
    }

    private static void flatten(String prefix, JsonNode node, Table table) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), table);
            }
        } else if (!node.isNull()) {
            table.row(prefix, node.asText());
        }
    }

    private int logs(Arguments args) throws ClientException {
        String taskId = args.operands(1, "logs").get(0);
        String execId = args.option("--exec").orElse("");
        String exec = execName(taskId, execId.isEmpty() ? taskId : execId);
        String attribute = args.stderr ? "Stderr" : "Stdout";
        String shown = agent.read(exec, attribute).asText();
        out.print(shown);
        out.flush();
        while (args.follow) {
            boolean exited = agent.read(exec, "State").asText().equals("exited");
            String now = agent.read(exec, attribute).asText();
            // the kept text is the latest MiB: print what is new, or all of it after a rotation
            out.print(now.startsWith(shown) ? now.substring(shown.length()) : now);
            out.flush();
            shown = now;
            if (exited) {
                break;
            }
            sleep(POLL);
        }
        return 0;
    }

    private int text(Arguments args, String operation) throws ClientException {
        JsonNode text = agent.exec(taskName(args.operands(1, "stacks").get(0)), operation, Duration.ofSeconds(5));
        out.print(text.asText());
        return 0;
    }

    private int share(Arguments args) throws ClientException {
        List<String> operands = args.operands(3, "share");
        agent.exec(taskName(operands.get(0)), "share", Duration.ZERO, operands.get(1), operands.get(2), args.readOnly);
        return 0;
    }

    /** Follows the events of every task, or of one, until Ctrl-C: one line (or JSON object) each. */
    private int events(Arguments args) throws ClientException {
        List<String> operands = args.operandsAtMost(1, "events");
        String mbean = operands.isEmpty() ? SERVICE : taskName(operands.get(0));
        JsonNode registered = agent.notification("register");
        String client = registered.path("id").asText();
        String store = registered.path("backend").path("pull").path("store").asText();
        Thread unregister = new Thread(() -> {
            try {
                agent.notification("unregister", "client", client);
            } catch (ClientException e) { // the agent went away: nothing to release there
            }
        }, "hatchway-cli-unregister");
        Runtime.getRuntime().addShutdownHook(unregister);
        String handle = agent.notification("add", "client", client, "mode", "pull", "mbean", mbean).asText();
        while (true) {
            JsonNode pulled = agent.exec(store, "pull", Duration.ZERO, client, handle);
            for (JsonNode event : pulled.path("notifications")) {
                out.println(args.json ? event.toString() : describe(event));
            }
            out.flush();
            if (out.checkError()) { // the reader went away (a closed pipe)
                removeHook(unregister);
                unregister.run();
                return 0;
            }
            sleep(POLL);
        }
    }

    /** {@code <event> taskId=... execId=...}: the event's fields in CONTRACT.md's order. */
    private static String describe(JsonNode event) {
        StringBuilder line = new StringBuilder(event.path("type").asText().replace("hatchway.task.", ""));
        JsonNode fields = event.path("userData");
        for (String name : EVENT_FIELDS) {
            if (fields.has(name)) {
                line.append(' ').append(name).append('=').append(fields.get(name).asText());
            }
        }
        return line.toString();
    }

    private static void sleep(Duration duration) throws ClientException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    /** The Task MBean's name; the agent itself refuses an id CONTRACT.md does not allow. */
    static String taskName(String taskId) throws ClientException {
        checkId(taskId, "task");
        return "hatchway:type=Task,name=" + taskId;
    }

    static String execName(String taskId, String execId) throws ClientException {
        checkId(taskId, "task");
        checkId(execId, "exec");
        return "hatchway:type=Exec,task=" + taskId + ",name=" + execId;
    }

    /** An id goes into an ObjectName: only SPEC.md's id characters, so nothing can be injected there. */
    private static void checkId(String id, String what) throws ClientException {
        if (!id.matches("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")) {
            throw new ClientException("InvalidArgument: " + what + " id '" + id + "' is not a valid id");
        }
    }

    /** The words after the target: operands, options with a value, flags, and the command after {@code --}. */
    static final class Arguments {
        final List<String> operands = new ArrayList<>();
        final Map<String, String> options = new LinkedHashMap<>();
        final List<String> env = new ArrayList<>();
        final List<String> command = new ArrayList<>();
        boolean json;
        boolean all;
        boolean stderr;
        boolean follow;
        boolean readOnly;
        boolean terminal;

        static Arguments parse(List<String> words) throws ClientException {
            Arguments args = new Arguments();
            for (int i = 0; i < words.size(); i++) {
                String word = words.get(i);
                if (word.equals("--")) {
                    args.command.addAll(words.subList(i + 1, words.size()));
                    break;
                }
                if (FLAGS.contains(word)) {
                    switch (word) {
                        case "--json" -> args.json = true;
                        case "--all" -> args.all = true;
                        case "--stderr" -> args.stderr = true;
                        case "-f" -> args.follow = true;
                        case "-t" -> args.terminal = true;
                        default -> args.readOnly = true;
                    }
                } else if (word.startsWith("-") && word.length() > 1) {
                    if (!Set.of("--id", "--env", "--cwd", "--exec", "--signal").contains(word)) {
                        throw new ClientException("unknown option '" + word + "'");
                    }
                    if (i + 1 >= words.size()) {
                        throw new ClientException("option " + word + " needs a value");
                    }
                    String value = words.get(++i);
                    if (word.equals("--env")) {
                        args.env.add(value);
                    } else {
                        args.options.put(word, value);
                    }
                } else {
                    args.operands.add(word);
                }
            }
            return args;
        }

        List<String> operands(int count, String verb) throws ClientException {
            if (operands.size() != count) {
                throw new ClientException("usage: " + verb + " <target> " + VERBS.get(verb));
            }
            return operands;
        }

        List<String> operandsAtMost(int count, String verb) throws ClientException {
            if (operands.size() > count) {
                throw new ClientException("usage: " + verb + " <target> " + VERBS.get(verb));
            }
            return operands;
        }

        Optional<String> option(String name) {
            return Optional.ofNullable(options.get(name));
        }

        int intOption(String name, int otherwise) throws ClientException {
            Optional<String> value = option(name);
            try {
                return value.isEmpty() ? otherwise : Integer.parseInt(value.get());
            } catch (NumberFormatException e) {
                throw new ClientException("option " + name + ": '" + value.get() + "' is not a number");
            }
        }
    }
}
