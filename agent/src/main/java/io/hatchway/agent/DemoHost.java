package io.hatchway.agent;

import io.hatchway.mbeans.TaskService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

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
        Path bundle = demoBundle(Path.of(System.getProperty("java.io.tmpdir"), "hatchway-demo-" + ProcessHandle.current().pid()));
        service.createTask(DEMO_TASK, bundle.toString(), "");
        int pid = service.task(DEMO_TASK).start("");
        long self = ProcessHandle.current().pid();
        System.out.printf("Hatchway host running as pid %d; task '%s' runs as pid %d.%n", self, DEMO_TASK, pid);
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

    /** A bundle whose init process prints the time every 5 seconds. */
    static Path demoBundle(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {
                  "ociVersion": "1.0.2",
                  "process": {
                    "args": ["/bin/sh", "-c", "while true; do date; sleep 5; done"],
                    "env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
                    "cwd": "/"
                  },
                  "root": {"path": "rootfs"}
                }
                """);
        return dir;
    }
}
