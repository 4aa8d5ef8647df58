package io.hatchway.agent;

import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.mbeans.TaskService;
import io.hatchway.mbeans.Timeouts;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.Optional;

/**
 * The agent entry points. {@code premain} and {@code agentmain} share one path: they hand the
 * option string to a named daemon thread and return at once, so the host's {@code main} is never
 * held up; every failure there is logged in one line and contained. The host keeps running whatever
 * happens here.
 */
public final class HatchwayAgent {
    private static volatile TaskService service;

    private HatchwayAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        startInBackground(args);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        startInBackground(args);
    }

    private static void startInBackground(String args) {
        try {
            Thread starter = new Thread(() -> start(args), "hatchway-start");
            starter.setDaemon(true);
            starter.start();
        } catch (Throwable t) {
            AgentLog.error("not started", t);
        }
    }

    /** Starts Hatchway in this thread; logs and returns empty on any failure. */
    static synchronized Optional<TaskService> start(String args) {
        try {
            if (service != null) {
                AgentLog.info("already loaded in this JVM; the second load is ignored");
                return Optional.of(service);
            }
            AgentOptions options = AgentOptions.parse(args);
            if (!options.unknown().isEmpty()) {
                AgentLog.info("unknown option(s) ignored: " + String.join(", ", options.unknown()));
            }
            Files.createDirectories(options.stateDir());
            if (!Files.isWritable(options.stateDir())) {
                throw new IllegalArgumentException("stateDir " + options.stateDir() + ": not writable");
            }
            ComputeBackend backend = Backends.open(options.backend());
            TaskService started = new TaskService(backend, options.stateDir(),
                    ManagementFactory.getPlatformMBeanServer(), Timeouts.DEFAULT);
            try {
                started.start();
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
            service = started;
            AgentLog.info("started: backend " + backend.name() + ", state in " + options.stateDir()
                    + ", MBeans under " + TaskService.DOMAIN + ":*"
                    + (options.jolokia() ? " (Jolokia is not part of this build yet)" : ""));
            return Optional.of(started);
        } catch (IllegalArgumentException | HatchwayException e) {
            AgentLog.error("not started: " + e.getMessage(), null); // one line says what and why
            return Optional.empty();
        } catch (Throwable t) {
            AgentLog.error("not started", t);
            return Optional.empty();
        }
    }
}
