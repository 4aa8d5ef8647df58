package io.hatchway.hcs.runc;

import io.hatchway.hcs.linux.ProcFs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * An isolated task's "guest stacks": the kernel stack ({@code /proc/<pid>/stack}) and wait channel
 * of every process sharing its sandbox's pid namespace, read from the host's {@code /proc} (the
 * namespace is found by its {@code ns/pid} link). Reading another process's stack needs root,
 * which the runc backend has. Stateless.
 */
final class GuestStacks {
    private GuestStacks() {
    }

    /**
     * The stacks of the processes in the pid namespace of process {@code sandboxPid}, host pids,
     * one block each ({@code pid <n> (<command>) state <s> wchan <w>}, then the stack), in
     * {@code /proc}'s order; stops with a line saying so after {@code timeout}.
     */
    static String dump(String sandboxId, int sandboxPid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path proc = Path.of("/proc");
        String namespace;
        try {
            namespace = Files.readSymbolicLink(proc.resolve(sandboxPid + "/ns/pid")).toString();
        } catch (IOException e) {
            return "sandbox '" + sandboxId + "': not running (" + e.getMessage() + ")\n";
        }
        StringBuilder out = new StringBuilder();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : pids) {
                if (System.nanoTime() - deadline > 0) {
                    out.append("... stopped after ").append(timeout.toMillis()).append(" ms\n");
                    break;
                }
                try {
                    if (!Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(namespace)) {
                        continue;
                    }
                    int pid = Integer.parseInt(p.getFileName().toString());
                    Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
                    out.append("pid ").append(pid).append(" (").append(stat.map(ProcFs.Stat::command).orElse("?"))
                            .append(") state ").append(stat.map(s -> String.valueOf(s.state())).orElse("?"))
                            .append(" wchan ").append(readOr(p.resolve("wchan"), "?")).append('\n')
                            .append(readOr(p.resolve("stack"), "(stack unreadable)\n")).append('\n');
                } catch (IOException | RuntimeException e) { // exited meanwhile
                }
            }
        } catch (IOException e) {
            out.append("cannot list /proc: ").append(e.getMessage()).append('\n');
        }
        return out.toString();
    }

    private static String readOr(Path file, String fallback) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fallback;
        }
    }
}
