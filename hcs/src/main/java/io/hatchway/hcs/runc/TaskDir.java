package io.hatchway.hcs.runc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.AtomicFile;
import io.hatchway.hcs.linux.Mounts;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.conmon.MonitorDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The on-disk state of one task on the runc backend, {@code <stateDir>/tasks/<id>/}: what an agent
 * started again needs to find the task's container, its execs and their exits.
 *
 * <pre>
 * task.json            {@link TaskRecord}: id, bundle, runtime, isolation, cgroup, init streams
 * bundle/config.json   the spec the runtime runs (the caller's, with Hatchway's cgroup and namespaces)
 * init/                the init process's {@link MonitorDir} (exit/, pid, conmon.pid, runtime.log)
 * execs/&lt;n&gt;/           one {@link MonitorDir} per exec, plus exec.json ({@link ExecRecord})
 * sandbox/             the sandbox of an isolated task (see {@link Sandbox})
 * </pre>
 *
 * Records are written whole or not at all ({@link AtomicFile}); an exec's, on the exec's hot path,
 * once each into its fresh directory before conmon starts ({@link #writeExec}).
 */
record TaskDir(Path dir) {

    /** What Hatchway knows of a task beyond what the runtime stores. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record TaskRecord(String id, String bundle, String runtime, boolean sandbox, String cgroupsPath,
            String stdin, String stdout, String stderr, String createdAt) {

        Stdio stdio() {
            return new Stdio(Optional.ofNullable(stdin).map(Path::of), Path.of(stdout), Path.of(stderr));
        }
    }

    /**
     * An exec: the id the task layer gave it, its streams and its OCI process as the runtime ran it
     * (null in the file when the process is in the exec's {@link MonitorDir#processFile}, where
     * {@link #readExec} takes it from).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ExecRecord(String execId, String stdin, String stdout, String stderr, JsonNode process) {

        Stdio stdio() {
            return new Stdio(Optional.ofNullable(stdin).map(Path::of), Path.of(stdout), Path.of(stderr));
        }
    }

    Path taskFile() {
        return dir.resolve("task.json");
    }

    Path bundle() {
        return dir.resolve("bundle");
    }

    MonitorDir init() {
        return new MonitorDir(dir.resolve("init"));
    }

    Path execs() {
        return dir.resolve("execs");
    }

    MonitorDir exec(String key) {
        return new MonitorDir(execs().resolve(key));
    }

    Path sandbox() {
        return dir.resolve("sandbox");
    }

    void writeTask(TaskRecord record) throws IOException {
        write(taskFile(), record);
    }

    Optional<TaskRecord> readTask() {
        return read(taskFile(), TaskRecord.class);
    }

    /**
     * Writes an exec's {@code process} object (the runtime's input) and its record without it, each
     * once, into the exec's new directory, with no temporary file and rename: both are written
     * before conmon is started, so a record cut short by an agent that died writing it belongs to a
     * launch that never happened, which recovery drops ({@link #readExec} finds no record).
     */
    static void writeExec(MonitorDir exec, ExecRecord record, JsonNode process) throws IOException {
        Files.createDirectories(exec.dir());
        Files.write(exec.processFile(), Json.MAPPER.writeValueAsBytes(process));
        Files.write(exec.dir().resolve("exec.json"), Json.MAPPER.writeValueAsBytes(record));
    }

    /** An exec's record, its process included; empty when it was never written whole. */
    static Optional<ExecRecord> readExec(MonitorDir exec) {
        return read(exec.dir().resolve("exec.json"), ExecRecord.class)
                .flatMap(r -> r.process() != null && !r.process().isNull() ? Optional.of(r)
                : read(exec.processFile(), JsonNode.class).map(p -> new ExecRecord(r.execId(), r.stdin(), r.stdout(),
                        r.stderr(), p)));
    }

    static void write(Path file, Object value) throws IOException {
        AtomicFile.write(file, Json.write(value));
    }

    static <T> Optional<T> read(Path file, Class<T> type) {
        try {
            return Optional.of(Json.MAPPER.readValue(file.toFile(), type));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Removes the directory and everything in it, never entering a mount (see {@link Mounts#deleteTree}),
     * and the exit directories of the monitor directories in it (kept apart: {@link MonitorDir}).
     */
    static void delete(Path dir) {
        Mounts.deleteTree(dir);
        MonitorDir.deleteExitDirs(dir);
    }
}
