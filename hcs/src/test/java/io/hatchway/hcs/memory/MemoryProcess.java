package io.hatchway.hcs.memory;

import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Signals;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.ProcessSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One modelled process of a {@link MemorySystem}: see {@link MemoryBackend} for what it does. Its
 * standard output and error files are made when it starts (an existing file, a FIFO say, is left
 * alone) and hold what the test {@link #print}s. Thread-safe.
 */
public final class MemoryProcess implements ComputeProcess {
    /** Signals whose default action is to ignore them, or to stop or continue the process (not modelled). */
    private static final Set<Integer> NO_EXIT = Set.of(17, 18, 19, 20, 21, 22, 23, 28);
    private static final long DEFAULT_MEMORY_BYTES = 1 << 20;

    private final MemorySystem system;
    private final int pid;
    private final String execId;
    private final ProcessSpec spec;
    private final Stdio stdio;
    private final String createdAt = Instant.now().toString();
    private final Set<Integer> ignored = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Long> exited = new CompletableFuture<>();
    private boolean ended; // guarded by this: the exit is decided, maybe not reported yet
    private boolean stdinClosed; // guarded by this
    private boolean released; // guarded by this
    private long cpu100ns; // guarded by this
    private long memoryBytes = DEFAULT_MEMORY_BYTES; // guarded by this

    MemoryProcess(MemorySystem system, int pid, String execId, ProcessSpec spec, Stdio stdio) {
        this.system = system;
        this.pid = pid;
        this.execId = execId;
        this.spec = spec;
        this.stdio = stdio;
        touch(stdio.stdout());
        touch(stdio.stderr());
    }

    private static void touch(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("cannot create %s: %s", file, HatchwayException.reason(e));
        }
    }

    /** Runs the program its {@code args} name: {@code true}, {@code false} and {@code exit <n>} end at once. */
    void run() {
        List<String> args = spec.args();
        switch (args.get(0)) {
            case "true" -> exit(0);
            case "false" -> exit(1);
            case "exit" -> exit(args.size() > 1 ? Long.parseLong(args.get(1)) : 0);
            default -> { // runs until a signal or the test ends it
            }
        }
    }

    @Override
    public int pid() {
        return pid;
    }

    /** The exec id the task layer launched it under; {@code ""} for the init process. */
    public String execId() {
        return execId;
    }

    public ProcessSpec spec() {
        return spec;
    }

    public Stdio stdio() {
        return stdio;
    }

    /** Ends the process with exit code {@code code}. @return false when it had already ended */
    public boolean exit(long code) {
        synchronized (this) {
            if (ended) {
                return false;
            }
            ended = true;
        }
        system.exited(this, code);
        return true;
    }

    /** From now on {@code signal} changes nothing (SIGKILL still kills). */
    public void ignore(int signal) {
        ignored.add(signal);
    }

    /** Appends {@code text} to the process's standard output file. */
    public void print(String text) {
        try {
            Files.writeString(stdio.stdout(), text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Charges the process with CPU time and sets its memory in use, as {@code pids()} and {@code stats()} show them. */
    public synchronized void use(long cpu100ns, long memoryBytes) {
        this.cpu100ns += cpu100ns;
        this.memoryBytes = memoryBytes;
    }

    synchronized long cpu100ns() {
        return cpu100ns;
    }

    synchronized long memoryBytes() {
        return memoryBytes;
    }

    synchronized ProcessDetails details() {
        String image = Path.of(spec.args().get(0)).getFileName().toString();
        return new ProcessDetails(pid, image, createdAt, cpu100ns, 0, memoryBytes, memoryBytes, 0, "");
    }

    /** Ends the process with 128 + signal unless the signal is one it ignores. */
    @Override
    public boolean signal(int signal) {
        synchronized (this) {
            if (ended) {
                return false;
            }
        }
        if (signal != Signals.SIGKILL && (NO_EXIT.contains(signal) || ignored.contains(signal))) {
            return true;
        }
        return exit(128L + signal);
    }

    /** Called on the backend's exit thread. */
    void reportExit(long code) {
        exited.complete(code);
    }

    @Override
    public CompletionStage<Long> exited() {
        return exited;
    }

    /** Whether the exit is decided (it may be reported a moment later). */
    public synchronized boolean ended() {
        return ended;
    }

    @Override
    public void kill() {
        signal(Signals.SIGKILL);
    }

    @Override
    public synchronized void release() {
        released = true;
    }

    /** Whether the task layer has let go of the process. */
    public synchronized boolean released() {
        return released;
    }

    @Override
    public synchronized void closeStdin() {
        stdinClosed = true;
    }

    public synchronized boolean stdinClosed() {
        return stdinClosed;
    }

    @Override
    public void resizeConsole(int width, int height) {
        throw ErrorKind.FailedPrecondition.error("the memory backend's processes have no terminal");
    }

    @Override
    public String toString() {
        return "MemoryProcess{" + pid + " " + spec.args() + "}";
    }
}
