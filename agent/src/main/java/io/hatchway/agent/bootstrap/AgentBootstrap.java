package io.hatchway.agent.bootstrap;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;

/**
 * The only Hatchway classes on the host's class path: the entry points of the agent jar. Each
 * hands over to {@code io.hatchway.agent.HatchwayAgent} inside a {@link PrivateClassLoader}.
 * {@code premain} and {@code agentmain} return at once: the hand-over runs on the daemon thread
 * {@code hatchway-start}, and nothing thrown there reaches the host.
 */
public final class AgentBootstrap {
    private static final String AGENT = "io.hatchway.agent.HatchwayAgent";
    /** {@code HatchwayAgent.FAILURE_PROPERTY}: why the last start failed. */
    private static final String FAILURE_PROPERTY = "hatchway.agent.failure";
    private static PrivateClassLoader loader; // guarded by AgentBootstrap.class

    private AgentBootstrap() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        launch("premain", args);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        // The attach CLI polls for this attempt's outcome as soon as this returns: a failure left by
        // an earlier attempt must not be taken for this one's.
        try {
            System.clearProperty(FAILURE_PROPERTY);
        } catch (Throwable t) { // nothing of ours reaches the host
        }
        launch("agentmain", args);
    }

    /** {@code java -jar hatchway-agent.jar ...}: the attach CLI, or the demo host without arguments. */
    public static void main(String[] args) throws Throwable {
        ClassLoader cli = new PrivateClassLoader(jar(), ClassLoader.getSystemClassLoader());
        Thread.currentThread().setContextClassLoader(cli);
        try {
            cli.loadClass("io.hatchway.agent.Cli").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void launch(String entry, String args) {
        try {
            Thread starter = new Thread(new HandOver(entry, args), "hatchway-start");
            starter.setDaemon(true);
            starter.start();
        } catch (Throwable t) {
            failed(t);
        }
    }

    /**
     * The hand-over, as a plain class: a lambda here would bootstrap {@code invokedynamic} on the
     * host's main thread, which costs a young JVM milliseconds.
     */
    private static final class HandOver implements Runnable {
        private final String entry;
        private final String args;

        HandOver(String entry, String args) {
            this.entry = entry;
            this.args = args;
        }

        @Override
        public void run() {
            handOver(entry, args);
        }
    }

    private static void handOver(String entry, String args) {
        try {
            ClassLoader privateLoader = privateLoader();
            Thread.currentThread().setContextClassLoader(privateLoader);
            Object keep = privateLoader.loadClass(AGENT).getMethod(entry, String.class).invoke(null, args);
            if (Boolean.FALSE.equals(keep)) {
                release();
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    /** The one line, on the process's fd 2 as the agent's other lines (see {@code AgentLog}). */
    private static void failed(Throwable t) {
        try {
            @SuppressWarnings("resource") // closing it would close fd 2
            FileOutputStream stderr = new FileOutputStream(FileDescriptor.err);
            stderr.write(("[hatchway] ERROR not started: " + t + System.lineSeparator()).getBytes());
        } catch (Throwable ignored) { // nothing of ours reaches the host
        }
    }

    private static synchronized ClassLoader privateLoader() throws Exception {
        if (loader == null) {
            loader = new PrivateClassLoader(jar(), ClassLoader.getPlatformClassLoader());
        }
        return loader;
    }

    /** After a stop: drop the loader so Hatchway's classes can be unloaded. */
    private static synchronized void release() {
        if (loader != null) {
            loader.close();
            loader = null;
        }
    }

    private static URL jar() {
        return AgentBootstrap.class.getProtectionDomain().getCodeSource().getLocation();
    }
}
