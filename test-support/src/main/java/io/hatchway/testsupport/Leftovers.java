package io.hatchway.testsupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * What a test must not leave behind, looked up the way an operator would (in {@code /proc}, in the
 * JVM's threads): processes a test started, wherever they went; zombies; threads; file descriptors.
 * Linux only. Each check says what it found, so a failure names the leak.
 */
public final class Leftovers {
    private Leftovers() {
    }

    /** A process that is still there, as {@code /proc} shows it. */
    public record LiveProcess(long pid, String commandLine) {
        @Override
        public String toString() {
            return pid + " " + commandLine;
        }
    }

    /**
     * Live processes whose environment holds {@code entry} ({@code NAME=value}) exactly: with a
     * marker a test puts in the environment of every process it starts (children inherit it), this
     * finds them even after they left the test's process tree (orphans re-parent to init), where
     * {@link ProcessHandle#descendants()} no longer sees them. Zombies have ended and are left out.
     */
    public static List<LiveProcess> processesWithEnv(String entry) {
        byte[] wanted = entry.getBytes(StandardCharsets.UTF_8);
        return processes(dir -> {
            try {
                return hasEntry(Files.readAllBytes(dir.resolve("environ")), wanted);
            } catch (IOException e) { // gone meanwhile, or not ours to read
                return false;
            }
        });
    }

    /** Live processes whose command line contains every one of {@code words}. */
    public static List<LiveProcess> processesWithCommandLine(String... words) {
        return processes(dir -> {
            String commandLine = commandLine(dir);
            return Arrays.stream(words).allMatch(commandLine::contains);
        });
    }

    private static List<LiveProcess> processes(Predicate<Path> matches) {
        List<LiveProcess> found = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                if (matches.test(dir) && !zombie(dir)) {
                    found.add(new LiveProcess(Long.parseLong(dir.getFileName().toString()), commandLine(dir)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /**
     * Waits, up to {@code bound}, until no process {@code left} finds is there. Whatever is still
     * there then is killed, so it cannot outlive the test run, and the test fails naming it.
     */
    public static void awaitNoProcess(String what, Duration bound, Supplier<List<LiveProcess>> left) {
        try {
            await(what + " to be gone").atMost(bound).until(() -> left.get().isEmpty());
        } catch (ConditionTimeoutException e) {
            List<LiveProcess> still = left.get();
            still.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
            fail(what + " left behind: " + still);
        }
    }

    /** Ended: not alive (the handle knows its start time, so a reused pid is not mistaken for it) or a zombie. */
    public static boolean ended(ProcessHandle process) {
        return !process.isAlive() || zombie(Path.of("/proc", Long.toString(process.pid())));
    }

    /** Whether {@code pid} runs: there, and no zombie (a zombie has exited, whoever will reap it). */
    public static boolean running(long pid) {
        return !zombie(Path.of("/proc", Long.toString(pid)));
    }

    /** Children of this JVM that have exited and that nothing reaped. */
    public static List<Long> zombieChildren() {
        return ProcessHandle.current().children().map(ProcessHandle::pid)
                .filter(pid -> state(Path.of("/proc", Long.toString(pid))).map(state -> state == 'Z').orElse(false))
                .toList();
    }

    /** A zombie (or dead) process has ended; only its parent has not collected it yet. A gone one has ended too. */
    private static boolean zombie(Path procDir) {
        return state(procDir).map(state -> state == 'Z' || state == 'X').orElse(true);
    }

    /** The state letter of {@code /proc/<pid>/stat}, empty when the process is gone. */
    private static Optional<Character> state(Path procDir) {
        try {
            String stat = Files.readString(procDir.resolve("stat"));
            return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String commandLine(Path procDir) {
        try {
            return Files.readString(procDir.resolve("cmdline")).replace('\0', ' ').trim();
        } catch (IOException e) { // gone meanwhile
            return "";
        }
    }

    private static boolean hasEntry(byte[] environ, byte[] entry) {
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (Arrays.equals(environ, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    // --- threads and file descriptors of this JVM

    /** Live threads of this JVM whose name starts with {@code prefix}. */
    public static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).toList();
    }

    /**
     * The same but idle workers of a pool whose threads expire: they wait out their keep-alive and
     * then end on their own, so a check of what works need not wait for them.
     */
    public static List<Thread> workingThreadsNamed(String prefix) {
        return threadsNamed(prefix).stream().filter(t -> !idleExpiringWorker(t)).toList();
    }

    /** Whether {@code thread} is a pool worker waiting for work with a keep-alive: it ends when that expires. */
    private static boolean idleExpiringWorker(Thread thread) {
        List<String> frames = Arrays.stream(thread.getStackTrace())
                .map(frame -> frame.getClassName() + "." + frame.getMethodName()).toList();
        return frames.contains(ThreadPoolExecutor.class.getName() + ".getTask")
                && frames.contains(SynchronousQueue.class.getName() + ".poll");
    }

    /** How many file descriptors this JVM has open. */
    public static long openDescriptors() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
