package io.hatchway.hcs.gcs;

import static io.hatchway.hcs.ErrorKind.DeadlineExceeded;
import static io.hatchway.hcs.ErrorKind.Unavailable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.Hresult;
import io.hatchway.hcs.windows.schema.ResultError;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GCS bridge's transport half (hcsshim's {@code internal/gcs/bridge.go}): frames requests with
 * ids counted from 0, keeps every request in flight until its response comes back (in any order),
 * and hands container notifications to one listener. One reader thread, from
 * {@link ComputeThreads#watch}, reads every message; writers take turns. A response whose
 * {@code Result} is not 0 fails its request with the kind {@link Hresult} gives that HRESULT and a
 * message naming the operation, the HRESULT and the guest agent's {@code ErrorMessage}.
 *
 * <p>When the connection is lost (end of stream, a failed read or write, {@link #close()}) every
 * request in flight fails at once with Unavailable, naming the operation and what was lost, and
 * every later request fails the same way without being sent. Thread-safe.
 */
final class Bridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);

    /** A request in flight: what it does (for messages) and what its response completes. */
    record Call(long id, String operation, CompletableFuture<JsonNode> response) {
    }

    private final String name;
    private final InputStream in;
    private final OutputStream out;
    private final Closeable transport;
    private final Duration timeout;
    private final Consumer<JsonNode> notifications;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, Call> inFlight = new ConcurrentHashMap<>();
    private final CompletableFuture<HatchwayException> lost = new CompletableFuture<>();

    /**
     * Starts reading at once.
     *
     * @param name what the connection is, for messages ({@code the bridge to the guest agent})
     * @param transport closed when the connection is lost or closed; its close must end a read
     *     blocked on {@code in} (a socket's does), or the reader ends only when the far end goes
     * @param timeout how long {@link #call} waits for a response
     * @param notifications gets each container notification's body, on the reader thread: it must
     *     not block
     */
    Bridge(String name, InputStream in, OutputStream out, Closeable transport, ComputeThreads threads,
            Duration timeout, Consumer<JsonNode> notifications) {
        this.name = Objects.requireNonNull(name);
        this.in = Objects.requireNonNull(in);
        this.out = Objects.requireNonNull(out);
        this.transport = Objects.requireNonNull(transport);
        this.timeout = Objects.requireNonNull(timeout);
        this.notifications = Objects.requireNonNull(notifications);
        threads.watch("hatchway-gcs-bridge", this::read);
    }

    /** A request body: {@code ContainerId} and a fresh {@code ActivityId} (hcsshim's {@code RequestBase}). */
    static ObjectNode request(String containerId) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("ContainerId", containerId);
        body.put("ActivityId", UUID.randomUUID().toString());
        return body;
    }

    /** Sends {@code body} as {@code rpc} and waits (up to the bridge's timeout) for its response body. */
    JsonNode call(Rpc rpc, String operation, ObjectNode body) {
        return await(send(rpc, operation, body), timeout);
    }

    /**
     * Sends {@code body} as {@code rpc}. The call's response completes with the response body, or
     * fails with the HRESULT's kind, or with Unavailable when the connection is lost first. Its
     * dependent actions run on the reader thread: they must be short.
     */
    Call send(Rpc rpc, String operation, ObjectNode body) {
        Call call = new Call(nextId.getAndIncrement(), operation, new CompletableFuture<>());
        inFlight.put(call.id(), call);
        if (lost.isDone()) {
            fail(call, lost.join());
            return call;
        }
        byte[] frame = new Frame(rpc.requestType(), call.id(), bytes(body)).encode();
        try {
            if (!writing.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                lose("a write did not finish within " + timeout.toMillis() + " ms");
                return call;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forget(call);
            call.response().completeExceptionally(Unavailable.error("%s: interrupted before it was sent", operation));
            return call;
        }
        try {
            out.write(frame);
            out.flush();
        } catch (IOException e) {
            lose("writing failed: " + reason(e));
        } finally {
            writing.unlock();
        }
        return call;
    }

    /**
     * The response body of {@code call}, waiting at most {@code limit}: on expiry DeadlineExceeded,
     * and the response, should it come later, is dropped.
     */
    JsonNode await(Call call, Duration limit) {
        try {
            return call.response().get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            forget(call);
            throw DeadlineExceeded.error("%s: %s did not answer within %d ms", call.operation(), name, limit.toMillis());
        } catch (InterruptedException e) {
            forget(call);
            Thread.currentThread().interrupt();
            throw Unavailable.error("%s: interrupted while waiting for %s", call.operation(), name);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Drops interest in {@code call}: its response, should it come, is read and thrown away. */
    void forget(Call call) {
        inFlight.remove(call.id());
    }

    /** How many requests wait for their answer. */
    int inFlight() {
        return inFlight.size();
    }

    /** The default time {@link #call} waits. */
    Duration timeout() {
        return timeout;
    }

    /** Completes with the Unavailable error every request gets once the connection is lost or closed. */
    CompletableFuture<HatchwayException> lost() {
        return lost;
    }

    /**
     * Closes the transport and fails every request in flight, without waiting: the reader ends as
     * its read does (at once for a socket, when the far end goes for a pipe). Idempotent.
     */
    @Override
    public void close() {
        lose("closed by the host");
    }

    private void read() {
        String reason;
        try {
            Frame frame;
            while ((frame = Frame.read(in)) != null) {
                dispatch(frame);
            }
            reason = "the guest agent closed it (end of stream)";
        } catch (IOException e) {
            reason = "reading failed: " + reason(e);
        }
        lose(reason);
    }

    private void dispatch(Frame frame) {
        int kind = frame.type() & Rpc.MESSAGE_KIND_MASK;
        if (kind == Rpc.RESPONSE) {
            Call call = inFlight.remove(frame.id());
            if (call == null) {
                log.debug("{}: dropped {}, nobody waits for it any more", name, frame);
                return;
            }
            complete(call, frame);
        } else if (frame.type() == Rpc.NOTIFY_CONTAINER) {
            try {
                notifications.accept(Json.MAPPER.readTree(frame.body()));
            } catch (IOException | RuntimeException e) {
                log.warn("{}: a container notification could not be handled: {}", name, reason(e));
            }
        } else {
            log.warn("{}: ignored an unexpected message {}", name, frame);
        }
    }

    private void complete(Call call, Frame frame) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(frame.body());
        } catch (IOException e) {
            call.response().completeExceptionally(
                    Unavailable.error("%s: the answer of %s is not JSON: %s", call.operation(), name, reason(e)));
            return;
        }
        int result = body.path("Result").asInt(0);
        if (result == 0) {
            call.response().complete(body);
            return;
        }
        String message = body.path("ErrorMessage").asText(null);
        call.response().completeExceptionally(
                Hresult.error(call.operation(), result, new ResultError(result, message, null)));
    }

    private void lose(String reason) {
        HatchwayException error = Unavailable.error("%s was lost: %s", name, reason);
        if (!lost.complete(error)) {
            return;
        }
        if (!reason.startsWith("closed")) {
            log.warn("{}", error.getMessage());
        }
        try {
            transport.close();
        } catch (IOException | RuntimeException e) {
            log.debug("{}: closing the transport failed: {}", name, reason(e));
        }
        inFlight.values().forEach(call -> fail(call, error));
    }

    private void fail(Call call, HatchwayException loss) {
        forget(call);
        call.response().completeExceptionally(Unavailable.error("%s: %s", call.operation(), loss.detail()));
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of plain nodes always writes
        }
    }

    static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof java.util.concurrent.CompletionException wrapped && wrapped.getCause() != null) {
            cause = wrapped.getCause();
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return Unavailable.error("%s", reason(cause));
    }

    /** An exception's own words, never its class name. */
    static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? "no detail given" : message;
    }
}
