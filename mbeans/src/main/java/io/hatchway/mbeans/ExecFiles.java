package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.OptionalLong;

/**
 * An exec's files: where its standard streams go, and its directory under the task's state, which
 * keeps (bounded, see {@link OutputLog}) the stdout and stderr its process spec did not name. The
 * directory goes with the exec's delete. Thread-safe.
 */
final class ExecFiles {
    /** Starts the names deleted directories wait under (an exec id never starts with a dot). */
    private static final String GRAVE = ".deleted-";
    private static final AtomicLong GRAVES = new AtomicLong();

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
            throw ErrorKind.Unavailable.error("state directory '%s': %s", dir, HatchwayException.reason(e));
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

    /**
     * Removes the directory and all in it: at once out of the exec id's way, renamed to a name of
     * its own (a new exec with the same id may be created the moment the delete returns, and its
     * files are never touched), then removed on {@code later}, after the answer. A grave left by an
     * agent that stopped first goes with the task's directory, or with {@link #sweepGraves}.
     */
    void delete(Executor later) {
        Path grave = dir.resolveSibling(GRAVE + dir.getFileName() + "-" + ProcessHandle.current().pid() + "-"
                + GRAVES.incrementAndGet());
        try {
            Files.move(dir, grave);
        } catch (NoSuchFileException e) {
            return; // gone already
        } catch (IOException e) {
            deleteTree(dir); // cannot be renamed: removed now, as far as it can
            return;
        }
        try {
            later.execute(() -> deleteTree(grave));
        } catch (RejectedExecutionException e) { // closing: now then
            deleteTree(grave);
        }
    }

    /** Whether {@code path} is a deleted exec's directory waiting for its removal ({@link #delete}). */
    static boolean isGrave(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(GRAVE);
    }

    /** Removes the graves {@link #delete} left in {@code stateDir} (an agent stopped before removing them). */
    static void sweepGraves(Path stateDir) {
        try (var graves = Files.newDirectoryStream(stateDir, ExecFiles::isGrave)) {
            graves.forEach(ExecFiles::deleteTree);
        } catch (IOException e) { // no state directory: nothing to sweep
        }
    }

    /**
     * Removes {@code dir} and all in it, as far as it can; what is gone already, or goes meanwhile
     * (a grave removed beside), is no failure.
     */
    static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    quietlyDelete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    quietlyDelete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) { // already gone
        }
    }

    private static void quietlyDelete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) { // what is left stays
        }
    }
}
