package io.hatchway.hcs.runc.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.PathSearch;
import io.hatchway.hcs.oci.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * An OCI runtime binary ({@code runc}, {@code crun}) driven through its command line, one method
 * per command, the way containerd's go-runc does it. Every command runs with {@code --root
 * <root>}, so the containers of this runtime object never mix with anyone else's, and with
 * {@code --log-format json}, so the runtime's errors can be read reliably.
 *
 * <p>Every command is bounded by the timeout given at construction (or to the call); expiry
 * kills the runtime process and answers DeadlineExceeded. A failed command is one
 * {@link HatchwayException}: NotFound when the container does not exist, Unavailable with the
 * OS's message when the binary cannot be run, Unavailable with the runtime's own message for any
 * other failure.
 *
 * <p>Immutable and thread-safe; the runtime itself serializes concurrent commands on one
 * container.
 */
public final class OciRuntime {
    /** Bound of a command when the caller gives none. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path binary;
    private final Path root;
    private final Duration timeout;
    private final Executor threads;

    /**
     * @param name how errors name the runtime ({@code runc}, {@code crun})
     * @param binary the runtime's executable
     * @param root its state directory ({@code --root}); created by the runtime when missing
     * @param timeout bound of every command
     * @param threads where a command's FIFO opens and the reaping of one killed that lingers run
     */
    public OciRuntime(String name, Path binary, Path root, Duration timeout, Executor threads) {
        this.name = Objects.requireNonNull(name);
        this.binary = Objects.requireNonNull(binary);
        this.root = Objects.requireNonNull(root);
        this.timeout = Objects.requireNonNull(timeout);
        this.threads = Objects.requireNonNull(threads);
    }

    /** The executable called {@code command} on {@code PATH} or in the usual system directories. */
    public static Optional<Path> find(String command) {
        return PathSearch.onHost(command);
    }

    public String name() {
        return name;
    }

    public Path binary() {
        return binary;
    }

    public Path root() {
        return root;
    }

    /** The arguments every command starts with, for a monitor (conmon) that runs the runtime itself. */
    public List<String> globalArgs() {
        return List.of("--root", root.toString(), "--log-format=json");
    }

    /** {@code start}: runs the init process of created container {@code id}. */
    public void start(String id) {
        check(List.of("start", id), id);
    }

    /**
     * {@code exec}: runs the process of {@code processFile} (an OCI {@code process} object) in
     * container {@code id}.
     *
     * @return the process's exit code (128+N for a death by signal N) when not detached, 0 otherwise
     * @throws HatchwayException as the class says; DeadlineExceeded after {@code timeout} (the
     *     runtime is then killed: the caller kills the process through its pid file)
     */
    public int exec(String id, Path processFile, ExecOptions options, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("exec", "--process", processFile.toString()));
        options.pidFile().ifPresent(f -> args.addAll(List.of("--pid-file", f.toString())));
        if (options.detach()) {
            args.add("--detach");
        }
        args.add(id);
        Command.Result result = run(withLog(args, options.log()), Optional.of(options.stdio()), timeout, id);
        Optional<String> runtimeError = options.log().flatMap(RuntimeOutput::lastError);
        if (runtimeError.isPresent() || (options.detach() && result.exitCode() != 0)) {
            throw failure("exec", id, result, options.log());
        }
        return result.exitCode();
    }

    /**
     * {@code kill}: sends {@code signal} to the init process of container {@code id}, or with
     * {@code all} to every process in it.
     *
     * @return false when the container is not running (nothing was delivered)
     * @throws HatchwayException NotFound when the container does not exist; Unavailable otherwise
     */
    public boolean kill(String id, int signal, boolean all) {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.addAll(List.of(id, Integer.toString(signal)));
        Command.Result result = run(args, Optional.empty(), timeout, id);
        if (result.exitCode() == 0) {
            return true;
        }
        String message = RuntimeOutput.message(result.stderr());
        if (message.contains("not running") || message.contains("No such process")
                || message.contains("process already finished")) {
            return false;
        }
        throw failure("kill", id, result, Optional.empty());
    }

    /**
     * {@code delete}: removes container {@code id}. Without {@code force} the container must have
     * stopped (or never started); {@code force} kills it first, at the price of runc's fixed
     * 100 ms wait.
     */
    public void delete(String id, boolean force) {
        check(force ? List.of("delete", "--force", id) : List.of("delete", id), id);
    }

    /**
     * {@link #delete}, where a container the runtime does not know counts as deleted.
     *
     * @throws HatchwayException Unavailable when the runtime refused
     */
    public void deleteIfExists(String id, boolean force) {
        try {
            delete(id, force);
        } catch (HatchwayException e) {
            if (e.kind() != ErrorKind.NotFound) {
                throw e;
            }
        }
    }

    /** {@code state}: the container's state. @throws HatchwayException NotFound when it does not exist */
    public ContainerState state(String id) {
        return parse(check(List.of("state", id), id), new TypeReference<ContainerState>() { }, "state", id);
    }

    /** {@code list --format json}: every container under this runtime's root. */
    public List<ContainerState> list() {
        return parse(check(List.of("list", "--format", "json"), ""), new TypeReference<List<ContainerState>>() { },
                "list", "");
    }

    private String check(List<String> args, String id) {
        Command.Result result = run(args, Optional.empty(), timeout, id);
        if (result.exitCode() != 0) {
            throw failure(args.get(0), id, result, Optional.empty());
        }
        return result.stdout();
    }

    private Command.Result run(List<String> args, Optional<Stdio> files, Duration bound, String id) {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(globalArgs());
        argv.addAll(args);
        try {
            return Command.run(argv, files, bound, threads);
        } catch (IOException e) {
            // "Cannot run program "/x/runc": error=2, No such file or directory" → the OS's reason.
            String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw ErrorKind.Unavailable.error("%s: cannot run '%s': %s", name, binary, reason);
        } catch (Command.TimedOut e) {
            throw ErrorKind.DeadlineExceeded.error("%s %s%s: no answer within %d ms; the runtime was killed", name,
                    args.get(0), id.isEmpty() ? "" : " " + id, bound.toMillis());
        }
    }

    private static List<String> withLog(List<String> args, Optional<Path> log) {
        if (log.isEmpty()) {
            return args;
        }
        List<String> out = new ArrayList<>(List.of("--log", log.get().toString()));
        out.addAll(args);
        return out;
    }

    private <T> T parse(String out, TypeReference<T> type, String command, String id) {
        try {
            T value = Json.MAPPER.readValue(out.isBlank() ? "null" : out, type);
            return value != null ? value : Json.MAPPER.readValue("[]", type);
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("%s %s%s: output is not the expected JSON: %s", name, command,
                    id.isEmpty() ? "" : " " + id, out.strip());
        }
    }

    /** The failure of a command as one error: NotFound for a missing container, else Unavailable. */
    private HatchwayException failure(String command, String id, Command.Result result, Optional<Path> log) {
        String message = RuntimeOutput.message(result.stderr());
        if (message.isEmpty()) {
            message = log.flatMap(RuntimeOutput::lastError).orElse("");
        }
        if (message.isEmpty()) {
            message = RuntimeOutput.message(result.stdout());
        }
        if (message.isEmpty()) {
            message = "exit status " + result.exitCode();
        }
        if (!id.isEmpty() && notFound(message, id)) {
            return ErrorKind.NotFound.error("%s %s %s: container does not exist (%s)", name, command, id, message);
        }
        return ErrorKind.Unavailable.error("%s %s%s: %s", name, command, id.isEmpty() ? "" : " " + id, message);
    }

    private boolean notFound(String message, String id) {
        // runc: "container does not exist"; crun: "error opening file `<root>/<id>/status`: No such file ..."
        return message.contains("does not exist")
                || (message.contains("No such file or directory") && message.contains(root.resolve(id).toString()));
    }

    @Override
    public String toString() {
        return name + "(" + binary + ", root " + root + ")";
    }
}
