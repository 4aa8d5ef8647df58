package io.hatchway.hcs.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a command is found, as execvp(3) and the OCI runtimes look for it: a name with a slash is
 * a path (relative to a base directory), a bare name is looked up in each directory of a
 * {@code PATH} string in turn; the first regular, executable file wins. Stateless.
 */
public final class PathSearch {
    /** The system directories: the {@code PATH} of an environment that sets none, and the fallback of the agent's own. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private PathSearch() {
    }

    /** The files {@code command} may be, in search order: on {@code path}, or itself (resolved against {@code base}). */
    public static List<Path> candidates(String command, String path, Path base) {
        List<Path> out = new ArrayList<>();
        if (command.contains("/")) {
            out.add(base.resolve(command));
            return out;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                out.add(Path.of(dir).resolve(command));
            }
        }
        return out;
    }

    /** The first of {@code candidates} that is a regular, executable file. */
    public static Optional<Path> firstExecutable(List<Path> candidates) {
        return candidates.stream().filter(c -> Files.isRegularFile(c) && Files.isExecutable(c)).findFirst();
    }

    /** A program of the host for the agent to run: on the JVM's {@code PATH}, then in the system directories. */
    public static Optional<Path> onHost(String command) {
        String path = System.getenv("PATH");
        return firstExecutable(candidates(command, (path == null ? "" : path + ":") + DEFAULT_PATH, Path.of("")));
    }
}
