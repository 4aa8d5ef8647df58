package io.hatchway.mbeans;

import java.time.Instant;
import java.util.Optional;

/**
 * What reads of an exec see: one transition's result, never half of one. An exec publishes a new
 * one on each state change; reads take the latest and never wait. Immutable.
 *
 * @param exitedAt {@code null} until exited
 */
record ExecSnapshot(Exec.State state, int pid, long exitStatus, Instant exitedAt) {
    /** A new exec: pid 0, exit status 255, no exit time. */
    static final ExecSnapshot CREATED = new ExecSnapshot(Exec.State.CREATED, 0, 255, null);

    static ExecSnapshot running(int pid) {
        return new ExecSnapshot(Exec.State.RUNNING, pid, 255, null);
    }

    /** This exec exited now with {@code status}, its pid kept. */
    ExecSnapshot exited(long status) {
        return new ExecSnapshot(Exec.State.EXITED, pid, status, Instant.now());
    }

    /** ISO-8601; {@code ""} until exited. */
    String exitedAtText() {
        return exitedAt == null ? "" : exitedAt.toString();
    }

    /** Pid of the running process, if it is running. */
    Optional<Integer> runningPid() {
        return state == Exec.State.RUNNING ? Optional.of(pid) : Optional.empty();
    }

    ExitStatus toExitStatus() {
        return new ExitStatus(exitStatus, exitedAtText());
    }

    DeleteResult toDeleteResult() {
        return new DeleteResult(pid, exitStatus, exitedAtText());
    }
}
