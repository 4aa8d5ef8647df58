package io.hatchway.agent.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code exec -t}: an interactive process with a terminal, as {@code ctr task exec -t} runs one.
 * The exec's stdin and stdout are two FIFOs in a temporary directory of this host (so the agent
 * must run on the same host), the local terminal is put in raw mode for the session (and back as
 * it was after, Ctrl-C included), its size is the exec's {@code consoleSize}, and a change of it is
 * sent as {@code resizePty} (looked at twice a second). Only the terminal's own tools are used
 * ({@code stty}, {@code mkfifo}): the JDK has no terminal control.
 */
final class TerminalExec {
    private static final long SIZE_POLL_MILLIS = 500;
    private static final File TTY = new File("/dev/tty");

    private final PrintStream out;
    private final InputStream in;

    TerminalExec(PrintStream out, InputStream in) {
        this.out = out;
        this.in = in;
    }

    /** The local terminal's size as {@code {columns, rows}}, if there is one. */
    static Optional<int[]> size() {
        try {
            String[] rowsColumns = stty("size").strip().split("\\s+");
            return Optional.of(new int[] {Integer.parseInt(rowsColumns[1]), Integer.parseInt(rowsColumns[0])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Runs {@code stty} on the local terminal. */
    static String stty(String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("stty"));
        command.addAll(List.of(args));
        Process stty = new ProcessBuilder(command).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String text = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!stty.waitFor(5, TimeUnit.SECONDS) || stty.exitValue() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed");
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            stty.destroy();
        }
    }

    /** What {@link #run} asks of the agent, for one exec. */
    interface Session {
        /** Creates and starts the exec of {@code process}; its start waits for the FIFOs' other ends. */
        void start(ObjectNode process) throws ClientException;

        void resize(int width, int height) throws ClientException;

        /** Waits for the exec to exit. @return its exit status */
        long awaitExit() throws ClientException;
    }

    /**
     * Runs {@code process} with a terminal in {@code session}, the local terminal raw meanwhile.
     * @return the exec's exit status
     */
    long run(ObjectNode process, Session session) throws ClientException {
        int[] size = size().orElseThrow(() -> new ClientException("exec -t: there is no terminal here (/dev/tty)"));
        Path dir;
        String saved;
        try {
            dir = Files.createTempDirectory("hatchway-tty-");
            mkfifo(dir.resolve("stdin"));
            mkfifo(dir.resolve("stdout"));
            saved = stty("-g").strip();
        } catch (IOException e) {
            throw new ClientException("exec -t: " + e.getMessage());
        }
        process.put("terminal", true).put("stdin", dir.resolve("stdin").toString())
                .put("stdout", dir.resolve("stdout").toString());
        process.putObject("consoleSize").put("width", size[0]).put("height", size[1]);
        Thread restore = new Thread(() -> restore(saved, dir), "hatchway-cli-tty");
        Runtime.getRuntime().addShutdownHook(restore);
        Thread output = copy("hatchway-cli-tty-out", () -> new FileInputStream(dir.resolve("stdout").toFile()),
                () -> out);
        copy("hatchway-cli-tty-in", () -> in, () -> new FileOutputStream(dir.resolve("stdin").toFile()));
        Thread resizes = null;
        try {
            stty("raw", "-echo");
            session.start(process);
            resizes = followSize(session, size);
            return session.awaitExit();
        } catch (IOException e) {
            throw new ClientException("exec -t: " + e.getMessage());
        } finally {
            if (resizes != null) {
                resizes.interrupt();
            }
            try {
                output.join(2_000); // the terminal's last output, until the exec's stdout is closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            restore(saved, dir);
            try {
                Runtime.getRuntime().removeShutdownHook(restore);
            } catch (IllegalStateException e) { // exiting: the hook runs
            }
        }
    }

    /** Sends each new size of the local terminal as resizePty, until interrupted. */
    private static Thread followSize(Session session, int[] first) {
        Thread thread = new Thread(() -> {
            int[] last = first;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(SIZE_POLL_MILLIS);
                    Optional<int[]> now = size();
                    if (now.isPresent() && !java.util.Arrays.equals(now.get(), last)) {
                        last = now.get();
                        session.resize(last[0], last[1]);
                    }
                }
            } catch (InterruptedException | ClientException e) { // the session is over
            }
        }, "hatchway-cli-tty-size");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    interface Opener<T> {
        T open() throws IOException;
    }

    /** Copies on a daemon thread of its own, both ends opened there (a FIFO's open waits for its peer). */
    private static Thread copy(String name, Opener<InputStream> from, Opener<OutputStream> to) {
        Thread thread = new Thread(() -> {
            try (InputStream source = from.open()) {
                OutputStream sink = to.open();
                byte[] buffer = new byte[8192];
                int count;
                while ((count = source.read(buffer)) > 0) {
                    sink.write(buffer, 0, count);
                    sink.flush();
                }
            } catch (IOException e) { // the session is over
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void mkfifo(Path path) throws IOException {
        try {
            Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).start();
            if (!mkfifo.waitFor(5, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new IOException("mkfifo " + path + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static void restore(String saved, Path dir) {
        try {
            stty(saved);
        } catch (IOException e) { // no terminal any more
        }
        for (String name : List.of("stdin", "stdout")) {
            dir.resolve(name).toFile().delete();
        }
        dir.toFile().delete();
    }
}
