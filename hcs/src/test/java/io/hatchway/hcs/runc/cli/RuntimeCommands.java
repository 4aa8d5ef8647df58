package io.hatchway.hcs.runc.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runtime commands the backend never runs itself (it creates under conmon), for tests that set a
 * scene by hand: a plain {@code create}, {@code ps}, {@code --version}. Same {@code --root} as the
 * runtime object, bounded by 30 s.
 */
public final class RuntimeCommands {
    private RuntimeCommands() {
    }

    /** {@code create --bundle <bundle> [--pid-file f] <id>}, its streams to /dev/null. */
    public static void create(OciRuntime runtime, String id, Path bundle, Path pidFile) throws IOException {
        List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString()));
        if (pidFile != null) {
            args.addAll(List.of("--pid-file", pidFile.toString()));
        }
        args.add(id);
        run(runtime, args.toArray(String[]::new));
    }

    /** {@code ps --format json}: the host pids of the container's processes, as the runtime prints them. */
    public static String ps(OciRuntime runtime, String id) throws IOException {
        return run(runtime, "ps", "--format", "json", id).strip();
    }

    /** {@code --version}'s first line. */
    public static String version(OciRuntime runtime) throws IOException {
        return run(runtime, "--version").lines().findFirst().orElse("");
    }

    private static String run(OciRuntime runtime, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(runtime.binary().toString()));
        argv.addAll(runtime.globalArgs());
        argv.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("runtime", ".out");
        try {
            Process process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(argv + ": no answer within 30 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(argv + ": exit " + process.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
