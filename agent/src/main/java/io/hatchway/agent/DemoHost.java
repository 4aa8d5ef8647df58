package io.hatchway.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.oci.Json;
import io.hatchway.mbeans.TaskService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar hatchway-agent.jar [options]}: a minimal host that keeps a JVM alive with the
 * agent loaded and one demo task running, for a first look in JConsole or over Jolokia.
 */
final class DemoHost {
    static final String DEMO_TASK = "demo";

    private DemoHost() {
    }

    static void run(String options) throws Exception {
        Optional<TaskService> started = HatchwayAgent.start(options);
        if (started.isEmpty()) {
            System.exit(1);
        }
        TaskService service = started.get();
        Path dir = AgentOptions.parse(options).stateDir().resolve("demo-bundle");
        deleteRecursively(dir);
        Path bundle = service.getBackend().equals("process") ? demoBundle(dir) : containerBundle(dir, service.getBackend());
        service.createTask(DEMO_TASK, bundle.toString(), "");
        int pid = service.task(DEMO_TASK).start("");
        long self = ProcessHandle.current().pid();
        System.out.printf("Hatchway host running as pid %d; task '%s' runs as pid %d.%n", self, DEMO_TASK, pid);
        System.out.printf("Its bundle is %s (backend %s).%n", bundle, service.getBackend());
        System.out.printf("Look at it with:  jconsole %d   (MBeans tab, domain 'hatchway')%n", self);
        System.out.println("Ctrl-C stops the host and deletes the task.");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                var task = service.task(DEMO_TASK);
                task.killExec("", 9, true);
                task.waitExec("", 10_000);
                task.deleteExec("");
            } catch (RuntimeException e) { // deleted already, from JConsole
            }
            stopped.countDown();
        }, "hatchway-demo-stop"));
        stopped.await();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static final String SCRIPT = "while true; do date; sleep 5; done";

    /**
     * A container bundle for the same script: a root file system of the host's static busybox and
     * the runtime's own {@code spec} as config.
     */
    static Path containerBundle(Path dir, String runtime) throws IOException, InterruptedException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            System.err.println("hatchway: the demo container needs a static busybox at /bin/busybox"
                    + " (apt-get install busybox-static), or run the demo with backend=process");
            System.exit(1);
        }
        Path bin = dir.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(busybox, bin.resolve("busybox"));
        for (String applet : List.of("sh", "date", "sleep", "ps", "cat", "echo", "ls")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Process spec = new ProcessBuilder(runtime, "spec", "--bundle", dir.toString()).inheritIO().start();
        if (!spec.waitFor(30, TimeUnit.SECONDS) || spec.exitValue() != 0) {
            throw new IOException(runtime + " spec failed");
        }
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(dir.resolve("config.json").toFile());
        ObjectNode process = config.withObjectProperty("process");
        process.put("terminal", false);
        process.putArray("args").add("/bin/sh").add("-c").add(SCRIPT);
        Files.writeString(dir.resolve("config.json"), Json.write(config));
        return dir;
    }

    /** A bundle whose init process prints the time every 5 seconds. */
    static Path demoBundle(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {
                  "ociVersion": "1.0.2",
                  "process": {
                    "args": ["/bin/sh", "-c", "%s"],
                    "env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
                    "cwd": "/"
                  },
                  "root": {"path": "rootfs"}
                }
                """.formatted(SCRIPT));
        return dir;
    }
}
