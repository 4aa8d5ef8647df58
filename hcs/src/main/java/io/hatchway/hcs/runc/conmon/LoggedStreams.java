package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.linux.ChildStdio;
import io.hatchway.hcs.linux.ProcessStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The streams of a process whose output conmon writes into a k8s-file log of its own, bounded by
 * {@code --log-size-max}, which the JVM follows into the process's stdout and stderr
 * ({@link LogCopy}): a terminal's ({@link Console}), or a process without one whose kept output
 * has a cap ({@link OutputCopy}). conmon, not the JVM, reads the process's output, so the process
 * never meets a broken pipe when the agent is gone, and what it writes meanwhile waits in the log
 * (its newest part) for the next agent.
 */
public sealed interface LoggedStreams extends ProcessStreams permits Console, OutputCopy {
    /** conmon's arguments for this log, the log in {@code dir}. */
    List<String> conmonArgs(MonitorDir dir);

    /** conmon runs: the log is followed, a stdin file fed. */
    void follow();

    /** conmon could not be launched: the files go. */
    void abandon();

    /**
     * {@link Console#resume}, else {@link OutputCopy#resume}, on {@code relays}. Of a
     * process that has exited already, the rest of the log is copied now (bounded) and nothing is
     * left to follow: it is found exited with all its output.
     */
    static Optional<LoggedStreams> resume(MonitorDir dir, Path controlDir, Stdio stdio, Executor relays) {
        Optional<LoggedStreams> console = Console.resume(dir, controlDir, stdio, relays).map(LoggedStreams.class::cast);
        Optional<LoggedStreams> found = console.isPresent() ? console
                : OutputCopy.resume(dir, stdio, relays).map(LoggedStreams.class::cast);
        if (found.isPresent() && exited(dir)) {
            try {
                found.get().finish().toCompletableFuture().get(ChildStdio.DRAIN.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) { // what is not copied stays in the log
                found.get().detach();
            } catch (InterruptedException e) {
                found.get().detach();
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
        return found;
    }

    /** Whether conmon has written the process's exit status. */
    private static boolean exited(MonitorDir dir) {
        try (Stream<Path> files = Files.list(dir.exitDir())) {
            return files.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
