package io.hatchway.hcs.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * An OCI runtime-spec {@code process} object, validated, with typed access to the fields Hatchway
 * reads. The object itself is kept whole so a runtime receives every field the caller gave.
 *
 * <p>The checks here hold on every platform: a command ({@code args}, or on Windows the spec's own
 * {@code commandLine}), {@code KEY=VALUE} environment entries, a non-empty {@code cwd}, a user's
 * {@code uid}/{@code gid} and {@code username} of the right types, a {@code consoleSize} of two
 * sizes. What one platform adds (Linux: {@code args} required, {@code cwd} an absolute POSIX path)
 * is that platform's target's rule, checked by its backends ({@code linux.LinuxTarget}); errors
 * name the field through {@link #invalid} so every rule words them alike.
 *
 * <p><b>(ours)</b> Three optional string fields beside the OCI ones name files for the exec's
 * standard streams: {@code stdin}, {@code stdout}, {@code stderr} (containerd passes them beside
 * the spec). They are not part of {@link #toOciJson()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProcessSpec {
    private final ObjectNode oci;
    private final String what;
    private final List<String> args;
    private final String commandLine;
    private final List<String> env;
    private final String cwd;
    private final boolean terminal;
    private final ConsoleSize consoleSize;
    private final Integer uid;
    private final Integer gid;
    private final String username;
    private final String stdin;
    private final String stdout;
    private final String stderr;

    /** A console's size in character cells (columns and rows), as OCI's {@code consoleSize} gives it. */
    public record ConsoleSize(int width, int height) {
    }

    private ProcessSpec(ObjectNode oci, String what) {
        this.what = what;
        this.stdin = streamPath(oci.remove("stdin"), what + ".stdin");
        this.stdout = streamPath(oci.remove("stdout"), what + ".stdout");
        this.stderr = streamPath(oci.remove("stderr"), what + ".stderr");
        this.oci = oci;
        this.args = strings(oci.get("args"), what + ".args");
        String line = optionalString(oci.get("commandLine"), what + ".commandLine");
        this.commandLine = line == null || line.isEmpty() ? null : line;
        if ((args.isEmpty() || args.get(0).isEmpty()) && commandLine == null) {
            throw invalid("args", "missing command");
        }
        this.env = strings(oci.get("env"), what + ".env");
        for (String entry : env) {
            if (entry.indexOf('=') <= 0) {
                throw ErrorKind.InvalidArgument.error("%s.env: '%s' is not KEY=VALUE", what, entry);
            }
        }
        this.cwd = optionalString(oci.get("cwd"), what + ".cwd");
        if (cwd != null && cwd.isEmpty()) {
            throw invalid("cwd", "'' is not an absolute path");
        }
        JsonNode term = oci.get("terminal");
        if (term != null && !term.isNull() && !term.isBoolean()) {
            throw ErrorKind.InvalidArgument.error("%s.terminal: must be true or false", what);
        }
        this.terminal = term != null && term.asBoolean();
        this.consoleSize = consoleSize(oci.get("consoleSize"), what + ".consoleSize");
        JsonNode user = oci.get("user");
        if (user != null && !user.isNull() && !user.isObject()) {
            throw ErrorKind.InvalidArgument.error("%s.user: must be an object", what);
        }
        this.uid = user == null ? null : optionalId(user.get("uid"), what + ".user.uid");
        this.gid = user == null ? null : optionalId(user.get("gid"), what + ".user.gid");
        this.username = user == null ? null : optionalString(user.get("username"), what + ".user.username");
    }

    /** Parses a caller's process JSON. @throws io.hatchway.hcs.HatchwayException InvalidArgument */
    public static ProcessSpec parse(String json) {
        return of(Json.parse(json, "process"), "process");
    }

    /** Validates a parsed process object; {@code what} names it in errors. */
    static ProcessSpec of(JsonNode node, String what) {
        if (node == null || !node.isObject()) {
            throw ErrorKind.InvalidArgument.error("%s: must be a JSON object (an OCI process)", what);
        }
        return new ProcessSpec(((ObjectNode) node).deepCopy(), what);
    }

    /**
     * The command and its arguments. Empty (or with an empty command) only when
     * {@link #commandLine()} is given; Linux targets require them.
     */
    public List<String> args() {
        return args;
    }

    /** The spec's own Windows command line ({@code commandLine}), used as is instead of {@link #args()}. */
    public Optional<String> commandLine() {
        return Optional.ofNullable(commandLine);
    }

    /** {@code KEY=VALUE} entries; the process gets exactly these. */
    public List<String> env() {
        return env;
    }

    /** The working directory the spec names (never empty), in its platform's form. */
    public Optional<String> workingDirectory() {
        return Optional.ofNullable(cwd);
    }

    /** The working directory on a POSIX target: {@link #workingDirectory()}, {@code /} when the spec named none. */
    public String cwd() {
        return cwd == null ? "/" : cwd;
    }

    public boolean terminal() {
        return terminal;
    }

    /** The terminal's size at start ({@code consoleSize}), when the spec gives one. */
    public Optional<ConsoleSize> consoleSize() {
        return Optional.ofNullable(consoleSize);
    }

    public Optional<Integer> uid() {
        return Optional.ofNullable(uid);
    }

    public Optional<Integer> gid() {
        return Optional.ofNullable(gid);
    }

    /** The user by name ({@code user.username}), which is how a Windows process names its user. */
    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** File for standard input, or empty when the caller named none. */
    public Optional<String> stdin() {
        return Optional.ofNullable(stdin);
    }

    public Optional<String> stdout() {
        return Optional.ofNullable(stdout);
    }

    public Optional<String> stderr() {
        return Optional.ofNullable(stderr);
    }

    /**
     * InvalidArgument about one of this process's fields, named as every check names it:
     * {@code <what>.<field>: <problem>}, where {@code what} is {@code process} for a caller's
     * process and {@code config.json process} for a bundle's.
     */
    public HatchwayException invalid(String field, String format, Object... args) {
        return ErrorKind.InvalidArgument.error("%s.%s: %s", what, field, String.format(format, args));
    }

    /** What stops a target from running a process: the field, and what is wrong with it in words. */
    public record Problem(String field, String words) {
    }

    /**
     * Applies a target's rule for processes (its platform's facts, such as
     * {@code linux.LinuxTarget::processProblem}).
     *
     * @throws HatchwayException InvalidArgument {@code <what>.<field>: <words>} for the problem it finds
     */
    public void check(Function<ProcessSpec, Optional<Problem>> rule) {
        Optional<Problem> problem = rule.apply(this);
        if (problem.isPresent()) {
            throw invalid(problem.get().field(), "%s", problem.get().words());
        }
    }

    /** The OCI process object as a runtime takes it (without the stdio fields). */
    public String toOciJson() {
        return Json.write(oci);
    }

    private static String optionalString(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ErrorKind.InvalidArgument.error("%s: must be a string", what);
        }
        return withoutNul(node.asText(), what);
    }

    /**
     * A stream's file: absolute, since the agent's working directory means nothing to a caller,
     * and never empty (leave the field out for the default).
     */
    private static String streamPath(JsonNode node, String what) {
        String path = optionalString(node, what);
        if (path != null && !isAbsolute(path)) {
            throw ErrorKind.InvalidArgument.error("%s: '%s' is not an absolute path", what, path);
        }
        return path;
    }

    /** Absolute on the agent's own host, whose files these are (on Linux: starts with {@code /}). */
    private static boolean isAbsolute(String path) {
        try {
            return !path.isEmpty() && Path.of(path).isAbsolute();
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** C strings end at the first NUL: a value holding one would reach the process cut short. */
    private static String withoutNul(String value, String what) {
        if (value.indexOf('\0') >= 0) {
            throw ErrorKind.InvalidArgument.error("%s: '%s' holds a NUL character", what, value.replace('\0', '?'));
        }
        return value;
    }

    private static ConsoleSize consoleSize(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ErrorKind.InvalidArgument.error("%s: must be an object", what);
        }
        Integer width = optionalId(node.get("width"), what + ".width");
        Integer height = optionalId(node.get("height"), what + ".height");
        if (width == null || height == null || width > 65535 || height > 65535) {
            throw ErrorKind.InvalidArgument.error("%s: width and height must be given, 0 to 65535", what);
        }
        return new ConsoleSize(width, height);
    }

    private static Integer optionalId(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
            throw ErrorKind.InvalidArgument.error("%s: must be a non-negative integer", what);
        }
        return node.asInt();
    }

    private static List<String> strings(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ErrorKind.InvalidArgument.error("%s: must be an array of strings", what);
        }
        List<String> out = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw ErrorKind.InvalidArgument.error("%s: must be an array of strings", what);
            }
            out.add(withoutNul(item.asText(), what));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return "ProcessSpec" + Objects.toString(args);
    }
}
