package io.hatchway.mbeans;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.runc.BusyboxBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A backend the contract suite runs on: how to open it, how to write a bundle it can run, and the
 * few places where CONTRACT.md leaves the platform room to differ.
 */
enum Backend {
    /** Host processes: a bundle is a {@code config.json} naming the host's binaries. */
    PROCESS("process"),
    /** runc containers under conmon: a bundle holds a root file system of the host's static busybox. */
    RUNC("runc");

    final String name;

    Backend(String name) {
        this.name = name;
    }

    /** Skips the calling test, saying why, unless this backend can run here (runc: root, runc, conmon, busybox). */
    void assumeUsable() {
        if (this == RUNC) {
            BusyboxBundle.assumeContainersWork();
        }
    }

    /** The backend, keeping its state (if any) under {@code stateDir}. */
    ComputeBackend open(Path stateDir) {
        return Backends.open(name, stateDir);
    }

    /**
     * Writes a bundle into {@code dir} whose init process is {@code process}, an OCI process object
     * whose {@code /bin} commands both backends have: the host's, or busybox applets in the
     * container. On runc the rest of the spec is {@code runc spec}'s (namespaces, mounts, user,
     * capabilities), so the container is what a user of runc gets.
     *
     * @return the absolute bundle directory
     */
    Path writeBundle(Path dir, ObjectNode process) {
        if (this == PROCESS) {
            return Bundles.writeConfig(dir, Bundles.config(process.toString()));
        }
        try {
            BusyboxBundle.create(dir, "true"); // its process is replaced with the test's just below
            Path file = dir.resolve("config.json");
            ObjectNode config = (ObjectNode) Json.MAPPER.readTree(file.toFile());
            config.withObjectProperty("process").setAll(process);
            Files.writeString(file, Json.write(config));
            return dir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether the init exec is pid 1 of a pid namespace of its own (a container's init). The
     * kernel gives such a process no signal it has no handler for, except SIGKILL sent from outside
     * the namespace: a plain {@code sleep} as init ignores SIGTERM. Its death takes every other
     * process of the namespace with it.
     */
    boolean initIsPidOne() {
        return this == RUNC;
    }

    /**
     * Whether createTask already resolves the init exec's binary: runc looks it up when it creates
     * the container (its init process then waits to exec it at start), so a missing or unusable
     * binary fails createTask, where the process backend fails start.
     */
    boolean createResolvesBinary() {
        return this == RUNC;
    }

    /**
     * Whether an agent started again on the same state directory finds the tasks of the one before
     * (runc's containers outlive the agent; the process backend ends its tasks instead).
     */
    boolean recoversTasks() {
        return this == RUNC;
    }

    /**
     * The image name {@code pids()} reports for a process running {@code /bin/<command>}: the
     * command's own on the host; {@code busybox} in a busybox root file system, whose commands are
     * all links to that one executable.
     */
    String imageName(String command) {
        return this == RUNC ? "busybox" : command;
    }

    @Override
    public String toString() {
        return name;
    }
}
