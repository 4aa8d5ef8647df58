package io.hatchway.hcs.runc.conmon;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The directory conmon and the runtime share with Hatchway for one monitored process (a
 * container's init process or one exec): the exit directory, pid files, the runtime's log. It
 * is kept on disk so an agent started again can read what happened while it was away. Each exec
 * has a directory of its own, so each has its own exit directory (conmon names the exit file
 * after the container, not after the exec).
 */
public record MonitorDir(Path dir) {
    public MonitorDir {
        Objects.requireNonNull(dir);
    }

    /** Where conmon writes the exit status, in a file named after the container. */
    public Path exitDir() {
        return dir.resolve("exit");
    }

    public Path exitFile(String containerId) {
        return exitDir().resolve(containerId);
    }

    /** The process's host pid, written by the runtime. */
    public Path pidFile() {
        return dir.resolve("pid");
    }

    /** conmon's own pid. */
    public Path conmonPidFile() {
        return dir.resolve("conmon.pid");
    }

    /** The runtime's log, JSON lines; a failed create or exec explains itself there. */
    public Path runtimeLog() {
        return dir.resolve("runtime.log");
    }

    /** An exec's OCI process object, as the runtime reads it. */
    public Path processFile() {
        return dir.resolve("process.json");
    }
}
