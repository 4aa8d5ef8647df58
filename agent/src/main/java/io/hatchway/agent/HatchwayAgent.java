package io.hatchway.agent;

import io.hatchway.agent.logging.LogSink;
import io.hatchway.hcs.BackendContext;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.linux.Jna;
import io.hatchway.jolokia.ExposureConfig;
import io.hatchway.jolokia.JolokiaExposure;
import io.hatchway.mbeans.TaskService;
import io.hatchway.mbeans.TaskThreads;
import io.hatchway.mbeans.Timeouts;
import java.io.IOException;
import javax.management.MBeanServer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts and stops Hatchway inside a host JVM. Runs inside the agent's private class loader,
 * called by {@code io.hatchway.agent.bootstrap.AgentBootstrap} on its {@code hatchway-start}
 * thread, never on the host's {@code main}. Every failure is logged in one line on the host's
 * stderr and contained: the host keeps running whatever happens here.
 *
 * <p>Hatchway's MBeans live in an MBean server of its own, the one its Jolokia serves; they are
 * registered in the host's platform MBean server too, but only once something else made that
 * server (see {@link MBeanServers}): Hatchway never makes it, nor initializes
 * {@code java.util.logging}, before the host has set them up its own way.
 *
 * <p>While Hatchway runs, the system property {@value #AGENT_PROPERTY} holds its version (the attach
 * CLI reads it to tell whether a JVM has Hatchway loaded).
 */
public final class HatchwayAgent {
    static final String AGENT_PROPERTY = "hatchway.agent";
    static final String JOLOKIA_URL_PROPERTY = "hatchway.jolokia.url";
    /** Where the Jolokia password is, with {@code auth=basic}: the task CLI reads it for a local target. */
    static final String PASSWORD_FILE_PROPERTY = "hatchway.jolokia.passwordFile";
    /** Why the last start failed, for the attach CLI; cleared by a successful start and by each attach. */
    static final String FAILURE_PROPERTY = "hatchway.agent.failure";

    /** How long a stop waits for Hatchway's shared threads to end: those in the middle of short work. */
    private static final long STOP_WAIT_SECONDS = 2;

    private static TaskService service; // guarded by HatchwayAgent.class
    /** The compute layer's threads, handed to the backend; closed at stop after it. */
    private static ComputeThreads computeThreads; // guarded by HatchwayAgent.class
    private static JolokiaExposure exposure; // guarded by HatchwayAgent.class; null when Jolokia is off
    private static MBeanServers.Watch platformWatch; // guarded by HatchwayAgent.class
    /** Runs the backend's {@link ComputeBackend#hostExit} when the host exits; removed at stop. */
    private static Thread hostExitHook; // guarded by HatchwayAgent.class

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
            createStateDir(options.stateDir());
            if (!Files.isWritable(options.stateDir())) {
                throw new IllegalArgumentException("stateDir " + options.stateDir() + ": not writable");
            }
            LogSink.useFile(options.stateDir());
            ComputeThreads threads = new ComputeThreads();
            try {
                return Optional.of(serve(options, threads));
            } catch (Throwable t) { // nothing of this start is left: its backend is closed already
                threads.close();
                throw t;
            }
        } catch (IllegalArgumentException | HatchwayException e) {
            return failed(e.getMessage(), null);
        } catch (Throwable t) {
            return failed(t.toString(), t);
        }
    }

    /** Starts Hatchway on {@code threads}, the compute layer's; a failure closes what it made, them aside. */
    private static TaskService serve(AgentOptions options, ComputeThreads threads) {
        ComputeBackend backend = Backends.open(options.backend(),
                new BackendContext(options.stateDir(), options.hostExitShutdown(), threads));
        MBeanServer own = MBeanServers.own();
        TaskService started = new TaskService(backend, options.stateDir(), own, Timeouts.DEFAULT, new TaskThreads());
        try {
            started.start();
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        JolokiaExposure served = null;
        if (options.jolokia()) {
            try {
                served = JolokiaExposure.start(new ExposureConfig(options.host(), options.port(), options.auth(),
                        options.protocol(), options.stateDir(), options.keystore(), options.keystorePassword(),
                        options.allowOrigin()), own);
            } catch (IOException | RuntimeException e) { // the agent serves as configured or not at all
                started.close();
                throw new IllegalArgumentException("Jolokia: " + e.getMessage());
            }
            started.setJolokiaUrl(served.url());
            System.setProperty(JOLOKIA_URL_PROPERTY, served.url());
            served.passwordFile().ifPresent(file -> System.setProperty(PASSWORD_FILE_PROPERTY, file.toString()));
        }
        JolokiaExposure servedAtExit = served;
        Thread hook = new Thread(() -> {
            // HotSpot's exit waits up to 300 ms for threads blocked in native code, as Jolokia's
            // HTTP dispatcher is in its selector: closed first, the host exits as without us.
            if (servedAtExit != null) {
                servedAtExit.close();
            }
            backend.hostExit();
        }, "hatchway-host-exit");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) { // the host began to exit meanwhile: nothing is left half-made
            if (served != null) {
                served.close();
            }
            started.close();
            throw new IllegalArgumentException("the host JVM is exiting");
        }
        service = started;
        computeThreads = threads;
        exposure = served;
        platformWatch = MBeanServers.watchPlatform(started::mirrorInto);
        hostExitHook = hook;
        System.clearProperty(FAILURE_PROPERTY);
        System.setProperty(AGENT_PROPERTY, started.getVersion());
        AgentLog.info("started: backend " + backend.name() + ", state and log in " + options.stateDir()
                + ", MBeans under " + TaskService.DOMAIN + ":*"
                + (served == null ? ", Jolokia off" : ", Jolokia at " + served.url()
                + served.passwordFile().map(f -> " (user " + JolokiaExposure.USER + ", password in " + f + ")")
                        .orElse(" (no authentication)")));
        return started;
    }

    /** @throws IllegalArgumentException naming {@code stateDir} and why it cannot be created */
    private static void createStateDir(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("stateDir " + stateDir + ": " + e.getFile() + " exists and is not a directory");
        } catch (FileSystemException e) {
            String where = stateDir.toString().equals(e.getFile()) ? "it" : e.getFile();
            throw new IllegalArgumentException("stateDir " + stateDir + ": cannot create " + where + ": "
                    + (e.getReason() != null ? e.getReason()
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "no such file or directory" : e.getClass().getSimpleName()));
        } catch (IOException e) {
            throw new IllegalArgumentException("stateDir " + stateDir + ": cannot create it: " + e.getMessage());
        }
    }

    private static Optional<TaskService> failed(String reason, Throwable cause) {
        AgentLog.error("not started: " + reason, cause);
        System.setProperty(FAILURE_PROPERTY, reason);
        LogSink.close();
        return Optional.empty();
    }

    /**
     * Stops Hatchway: its MBeans are unregistered, its threads end and its host-exit hook is
     * removed, so that once the bootstrap drops its class loader nothing of Hatchway's is left in
     * the host. Tasks' processes keep running (the reaper thread of one that still runs stays until
     * it exits, then goes too); on the process backend the next start on the same state directory
     * ends them (their sessions are recorded there). Idempotent.
     */
    static synchronized void stop() {
        if (service == null) {
            AgentLog.info("not loaded in this JVM; nothing to stop");
            return;
        }
        String reapers = "";
        try {
            try { // first, so the hook (and through it Hatchway's class loader) is not held past stop
                Runtime.getRuntime().removeShutdownHook(hostExitHook);
            } catch (IllegalStateException e) { // the host is exiting: the hook runs or ran
            }
            platformWatch.close();
            if (exposure != null) {
                exposure.close();
            }
            service.close();
            if (!endComputeThreads()) {
                reapers = " (their reaper and output relay threads, and Hatchway's classes, stay until they exit)";
            }
        } catch (Throwable t) {
            AgentLog.error("stop failed", t);
        } finally {
            service = null;
            computeThreads = null;
            exposure = null;
            platformWatch = null;
            hostExitHook = null;
            System.clearProperty(AGENT_PROPERTY);
            System.clearProperty(JOLOKIA_URL_PROPERTY);
            System.clearProperty(PASSWORD_FILE_PROPERTY);
            AgentLog.info("stopped; tasks' processes keep running" + reapers);
            LogSink.close();
        }
    }

    /**
     * Closes the compute layer's threads (all of them, handed to the backend in its context) and,
     * once they have ended, releases JNA's libraries
     * (whose clean-up thread then ends by itself). Waits a little for that, so a stop usually
     * returns with it done.
     *
     * @return false when they had not ended in that time: a reaper waits for a process still running
     */
    private static boolean endComputeThreads() throws InterruptedException, ExecutionException {
        computeThreads.close();
        CompletableFuture<Void> ended = computeThreads.ended().thenRun(Jna::release);
        try {
            ended.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
