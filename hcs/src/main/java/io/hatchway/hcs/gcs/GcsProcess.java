package io.hatchway.hcs.gcs;

import static io.hatchway.hcs.ErrorKind.DeadlineExceeded;
import static io.hatchway.hcs.ErrorKind.InvalidArgument;
import static io.hatchway.hcs.ErrorKind.Unavailable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.oci.Json;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** A {@link GuestProcess} over a {@link Bridge}. */
final class GcsProcess implements GuestProcess {
    /** {@code InfiniteWaitTimeout}: WaitForProcess without a timeout. */
    static final long INFINITE = 0xffffffffL;

    private final Bridge bridge;
    private final Executor background;
    private final String containerId;
    private final int pid;
    private final String name;
    /** The exit code, from whichever wait got it first. */
    private final CompletableFuture<Long> exit = new CompletableFuture<>();

    private GcsProcess(Bridge bridge, Executor background, String containerId, int pid) {
        this.bridge = bridge;
        this.background = background;
        this.containerId = containerId;
        this.pid = pid;
        this.name = "pid " + pid + " " + GcsConnection.where(containerId);
    }

    /**
     * ExecuteProcess in {@code containerId} with {@code parameters} (the ProcessParameters object,
     * sent as a JSON string as the protocol wants), asking for the stdio {@code stdio} names.
     */
    static GcsProcess execute(Bridge bridge, Executor background, String containerId, ObjectNode parameters,
            StdioPorts stdio) {
        parameters.put("CreateStdInPipe", stdio.stdIn() != 0);
        parameters.put("CreateStdOutPipe", stdio.stdOut() != 0);
        parameters.put("CreateStdErrPipe", stdio.stdErr() != 0);
        ObjectNode relay = Json.MAPPER.createObjectNode();
        putPort(relay, "StdIn", stdio.stdIn());
        putPort(relay, "StdOut", stdio.stdOut());
        putPort(relay, "StdErr", stdio.stdErr());
        ObjectNode request = Bridge.request(containerId);
        ObjectNode settings = request.putObject("Settings");
        settings.put("ProcessParameters", Json.write(parameters));
        settings.set("VsockStdioRelaySettings", relay);
        JsonNode response = bridge.call(Rpc.ExecuteProcess, "ExecuteProcess " + GcsConnection.where(containerId), request);
        GcsProcess process = new GcsProcess(bridge, background, containerId, response.path("ProcessId").asInt());
        process.waitForever();
        return process;
    }

    private static void putPort(ObjectNode relay, String field, int port) {
        if (port != 0) {
            relay.put(field, Integer.toUnsignedLong(port));
        }
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public long waitForExit(Duration timeout) {
        try {
            return exit.get(Math.max(timeout.toNanos(), 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw DeadlineExceeded.error("waiting for the exit of %s: it did not exit within %d ms", name, timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Unavailable.error("waiting for the exit of %s: interrupted", name);
        } catch (ExecutionException e) {
            throw Bridge.rethrow(e.getCause());
        }
    }

    @Override
    public CompletableFuture<Long> exitCode() {
        return exit.thenApplyAsync(Function.identity(), background);
    }

    /**
     * Sends the one WaitForProcess without a timeout, as hcsshim does right after ExecuteProcess: it
     * is what lets the guest free the process, and for an init what makes the guest send the
     * container's exit notification (the GCS waits for one wait to have given the init's code). It
     * is the only wait ever sent for the process: the v0.12 GCS panics, and the bridge dies with it,
     * when a second wait on one process races the process's exit (its waiters' WaitGroup is reused).
     */
    private void waitForever() {
        ObjectNode request = Bridge.request(containerId).put("ProcessId", pid).put("TimeoutInMs", INFINITE);
        bridge.send(Rpc.WaitForProcess, "WaitForProcess of " + name, request).response().whenComplete((body, error) -> {
            if (error == null) {
                exit.complete(body.path("ExitCode").asLong());
            } else {
                exit.completeExceptionally(error);
            }
        });
    }

    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > 64) {
            throw InvalidArgument.error("SignalProcess of %s: signal %d is not a Linux signal (1-64); the guest reads 0 as SIGKILL",
                    name, signal);
        }
        ObjectNode request = Bridge.request(containerId).put("ProcessId", pid);
        request.putObject("Options").put("Signal", signal);
        bridge.call(Rpc.SignalProcess, "SignalProcess " + signal + " to " + name, request);
    }

    @Override
    public void resizeConsole(int width, int height) {
        if (width < 1 || width > 0xffff || height < 1 || height > 0xffff) {
            throw InvalidArgument.error("ResizeConsole of %s: %dx%d is not a console size (1-65535 each way)",
                    name, width, height);
        }
        ObjectNode request = Bridge.request(containerId).put("ProcessId", pid).put("Height", height).put("Width", width);
        bridge.call(Rpc.ResizeConsole, "ResizeConsole of " + name, request);
    }
}
