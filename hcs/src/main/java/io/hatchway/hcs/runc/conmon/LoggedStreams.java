package io.hatchway.hcs.runc.conmon;

import io.hatchway.hcs.linux.ProcessStreams;
import java.util.List;

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
}
