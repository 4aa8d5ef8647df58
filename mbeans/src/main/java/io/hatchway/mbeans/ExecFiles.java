package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * An exec's files: where its standard streams go, and its directory under the task's state, which
 * keeps (bounded, see {@link OutputLog}) the stdout and stderr its process spec did not name. The
 * directory goes with the exec's delete. Thread-safe.
 */
final class ExecFiles {
    private final Path dir;
    private final Stdio stdio;
    private final OutputLog stdout; // null when the spec named the file
    private final OutputLog stderr;

    private ExecFiles(Path dir, Stdio stdio, OutputLog stdout, OutputLog stderr) {
        this.dir = dir;
        this.stdio = stdio;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Creates {@code dir}; the streams are {@code known} ones (a recovered exec's) or follow the spec.
     *
     * @throws io.hatchway.hcs.HatchwayException Unavailable when the directory cannot be created
     */
    static ExecFiles create(Path dir, ProcessSpec spec, Optional<Stdio> known) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("state directory '%s': %s", dir, e);
        }
        Path keptOut = dir.resolve("stdout.log");
        Path keptErr = dir.resolve("stderr.log");
        Stdio stdio = known.orElseGet(() -> new Stdio(spec.stdin().map(Path::of),
                spec.stdout().map(Path::of).orElse(keptOut), spec.stderr().map(Path::of).orElse(keptErr)));
        OutputLog out = stdio.stdout().equals(keptOut) ? new OutputLog(keptOut, OutputLog.DEFAULT_CAP) : null;
        OutputLog err = stdio.stderr().equals(keptErr) ? new OutputLog(keptErr, OutputLog.DEFAULT_CAP) : null;
        return new ExecFiles(dir, stdio.withCaps(capOf(out), capOf(err)), out, err);
    }

    /** A kept output's cap, which the backend holds the file to; a file the spec named has none. */
    private static OptionalLong capOf(OutputLog kept) {
        return kept == null ? OptionalLong.empty() : OptionalLong.of(OutputLog.DEFAULT_CAP);
    }

    Stdio stdio() {
        return stdio;
    }

    /** The kept stdout's last MiB; {@code ""} when the spec named its own file. */
    String keptStdout() {
        return stdout == null ? "" : stdout.read();
    }

    String keptStderr() {
        return stderr == null ? "" : stderr.read();
    }

    /** The kept stdout's last {@code count} lines, newest last; none when the spec named its own file. */
    String[] keptStdoutLines(int count) {
        return stdout == null ? new String[0] : stdout.lastLines(count);
    }

    String[] keptStderrLines(int count) {
        return stderr == null ? new String[0] : stderr.lastLines(count);
    }

    /** Frees what the kept output holds over its cap. */
    void enforceCaps() {
        if (stdout != null) {
            stdout.enforceCap();
        }
        if (stderr != null) {
            stderr.enforceCap();
        }
    }

    /** From now on the kept output is left alone: a new exec with the same id may write there soon. */
    void closeLogs() {
        if (stdout != null) {
            stdout.close();
        }
        if (stderr != null) {
            stderr.close();
        }
    }

    /** Removes the directory and all in it. */
    void delete() {
        deleteTree(dir);
    }

    /** Removes {@code dir} and all in it, as far as it can; what is gone already is no failure. */
    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) { // already gone
        }
    }
}
