package io.hatchway.agent;

import io.hatchway.agent.logging.LogSink;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.mbeans.TaskService;
import io.hatchway.mbeans.Timeouts;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Starts and stops Hatchway inside a host JVM. Runs inside the agent's private class loader,
 * called by {@code io.hatchway.agent.bootstrap.AgentBootstrap} on its {@code hatchway-start}
 * thread, never on the host's {@code main}. Every failure is logged in one line on the host's
 * stderr and contained: the host keeps running whatever happens here.
 *
 * <p>While Hatchway runs, the system property {@value #AGENT_PROPERTY} holds its version (the attach
 * CLI reads it to tell whether a JVM has Hatchway loaded).
 */
public final class HatchwayAgent {
    static final String AGENT_PROPERTY = "hatchway.agent";
    static final String JOLOKIA_URL_PROPERTY = "hatchway.jolokia.url";
    /** Why the last start failed, for the attach CLI; cleared by a successful start. */
    static final String FAILURE_PROPERTY = "hatchway.agent.failure";

    private static TaskService service; // guarded by HatchwayAgent.class

    private HatchwayAgent() {
    }

    /** {@code -javaagent}. @return whether Hatchway is loaded afterwards (the bootstrap keeps its loader) */
    public static Boolean premain(String args) {
        return start(args).isPresent();
    }

    /** Attach: {@code mode=stop} stops Hatchway, anything else starts it. Same return as {@link #premain}. */
    public static Boolean agentmain(String args) {
        if (args != null && args.contains("mode=stop")) {
            stop();
            return false;
        }
        return start(args).isPresent();
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
            LogSink.useFile(options.stateDir());
            ComputeBackend backend = Backends.open(options.backend(), options.stateDir());
            TaskService started = new TaskService(backend, options.stateDir(),
                    ManagementFactory.getPlatformMBeanServer(), Timeouts.DEFAULT);
            try {
                started.start();
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
            service = started;
            System.clearProperty(FAILURE_PROPERTY);
            System.setProperty(AGENT_PROPERTY, started.getVersion());
            AgentLog.info("started: backend " + backend.name() + ", state and log in " + options.stateDir()
                    + ", MBeans under " + TaskService.DOMAIN + ":*"
                    + (options.jolokia() ? " (Jolokia is not part of this build yet)" : ""));
            return Optional.of(started);
        } catch (IllegalArgumentException | HatchwayException e) {
            return failed(e.getMessage(), null);
        } catch (Throwable t) {
            return failed(t.toString(), t);
        }
    }

    private static Optional<TaskService> failed(String reason, Throwable cause) {
        AgentLog.error("not started: " + reason, cause);
        System.setProperty(FAILURE_PROPERTY, reason);
        LogSink.close();
        return Optional.empty();
    }

    /**
     * Stops Hatchway: its MBeans are unregistered and its threads end. Tasks' processes keep
     * running. Idempotent.
     */
    static synchronized void stop() {
        if (service == null) {
            AgentLog.info("not loaded in this JVM; nothing to stop");
            return;
        }
        try {
            service.close();
        } catch (Throwable t) {
            AgentLog.error("stop failed", t);
        } finally {
            service = null;
            System.clearProperty(AGENT_PROPERTY);
            System.clearProperty(JOLOKIA_URL_PROPERTY);
            AgentLog.info("stopped; tasks' processes keep running");
            LogSink.close();
        }
    }
}
