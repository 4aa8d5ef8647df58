package io.hatchway.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * runc driven from the command line, as a user's shell would: the reference side of the runc
 * figures. Every command runs with {@code --root <root>}, so the benchmark's containers never mix
 * with anyone else's.
 */
final class RuncCli {
    private static final Duration COMMAND = Duration.ofSeconds(60);

    private final String runc;
    private final Path root;
    private final Path errors;

    RuncCli(Path root, Path errors) {
        this.runc = Commands.find("runc").orElseThrow().toString();
        this.root = root;
        this.errors = errors;
    }

    Path root() {
        return root;
    }

    List<String> argv(String... args) {
        List<String> argv = new ArrayList<>(List.of(runc, "--root", root.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code runc exec <id> <args>}: returns when the process has exited. @return nanoseconds */
    long exec(String id, String... args) throws IOException, InterruptedException {
        List<String> argv = argv("exec", id);
        argv.addAll(List.of(args));
        return Commands.timed(argv, errors);
    }

    /** {@code runc create --bundle <bundle> <id>} (streams to /dev/null) then {@code runc start <id>}. @return nanoseconds */
    long createStart(String id, Path bundle) throws IOException, InterruptedException {
        return Commands.timed(argv("create", "--bundle", bundle.toString(), id), errors)
                + Commands.timed(argv("start", id), errors);
    }

    /** {@code runc events --stats <id>}: one sample of the container's figures as JSON. @return nanoseconds */
    long eventsStats(String id) throws IOException, InterruptedException {
        return Commands.timed(argv("events", "--stats", id), errors);
    }

    /** {@code runc delete --force <id>}: kills and removes the container; quietly when it is gone. */
    void deleteForce(String id) throws IOException, InterruptedException {
        Commands.run(argv("delete", "--force", id), COMMAND);
    }

    /** The ids of every container under this root. */
    List<String> list() throws IOException, InterruptedException {
        String out = Commands.check(argv("list", "--quiet"), COMMAND);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
