package io.hatchway.hcs.process;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.linux.LibC;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.linux.PathSearch;
import io.hatchway.hcs.oci.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A process spec as the host runs it on the process backend: what it may ask for, and its program. */
final class HostSpec {
    private HostSpec() {
    }

    /**
     * Checks {@code spec} as every Linux backend does, and that it asks for the JVM's own user and
     * group: InvalidArgument otherwise.
     */
    static void check(ProcessSpec spec) {
        spec.check(LinuxTarget::processProblem);
        int uid = LibC.INSTANCE.getuid();
        if (spec.uid().isPresent() && spec.uid().get() != uid) {
            throw ErrorKind.InvalidArgument.error(
                    "user.uid %d: the process backend runs processes as the JVM's own user (uid %d) only",
                    spec.uid().get(), uid);
        }
        int gid = LibC.INSTANCE.getgid();
        if (spec.gid().isPresent() && spec.gid().get() != gid) {
            throw ErrorKind.InvalidArgument.error(
                    "user.gid %d: the process backend runs processes as the JVM's own group (gid %d) only",
                    spec.gid().get(), gid);
        }
    }

    /**
     * {@code args[0]} as an OCI runtime finds it: a path as given (relative to {@code cwd}), a bare
     * name on the process's own {@code PATH} (a default one when its env has none).
     */
    static Path executable(ProcessSpec spec) {
        String name = spec.args().get(0);
        String path = PathSearch.DEFAULT_PATH;
        for (String entry : spec.env()) {
            if (entry.startsWith("PATH=")) {
                path = entry.substring(5);
            }
        }
        List<Path> candidates = PathSearch.candidates(name, path, Path.of(spec.cwd()));
        Optional<Path> found = PathSearch.firstExecutable(candidates);
        if (found.isPresent()) {
            return found.get();
        }
        for (Path candidate : candidates) {
            if (Files.exists(candidate)) {
                throw ErrorKind.InvalidArgument.error("cannot start '%s': %s is not an executable file", name, candidate);
            }
        }
        throw ErrorKind.InvalidArgument.error("cannot start '%s': %s", name,
                name.contains("/") ? "no such file" : "executable file not found in $PATH");
    }
}
