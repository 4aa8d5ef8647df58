package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.HatchwayException;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A connection to a utility VM's guest agent (the GCS) over its bridge: hcsshim's
 * {@code gcs.GuestConnection}. Requests go to the <em>null container</em> (the guest itself) or to a
 * {@link GuestContainer}; many may be in flight at once, from any thread.
 *
 * <p>Every request is bounded: the connection's timeout (or the caller's, where a method takes one)
 * ends the wait with DeadlineExceeded. A failure the guest answers has the kind of its HRESULT
 * ({@link io.hatchway.hcs.windows.Hresult}) and a message naming the operation, the HRESULT and the
 * guest's own message. Once the connection is lost (the guest ended the stream, a read or write
 * failed, {@link #close()}) every waiting and later request fails with Unavailable naming what was
 * lost. Requests other than {@link #negotiate()} before a successful negotiation fail with
 * FailedPrecondition without reaching the guest (it would answer E_NOTIMPL).
 *
 * <p>There is no way to shut the null container down: the guest answers it by powering the VM off.
 * Thread-safe.
 */
public interface GuestConnection extends AutoCloseable {
    /** The null container: requests with this id address the guest itself. */
    String NULL_CONTAINER_ID = "00000000-0000-0000-0000-000000000000";
    /** The protocol version asked for, as hcsshim asks (minimum = maximum = 4). */
    int PROTOCOL_VERSION = 4;
    /** How long a request waits for its answer unless told otherwise. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * A connection over a transport's two streams; reading starts at once on a thread of
     * {@code threads}. Negotiate before anything else.
     *
     * @param name what the connection is, in messages (e.g. {@code the guest agent of utility VM 'x'})
     * @param transport closed when the connection is lost or closed; closing it must end a read
     *     blocked on {@code in} (a socket's close does)
     * @param timeout how long each request waits for its answer
     */
    static GuestConnection open(String name, InputStream in, OutputStream out, Closeable transport,
            ComputeThreads threads, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout);
        }
        return new GcsConnection(name, in, out, transport, threads, timeout);
    }

    /** {@link #open(String, InputStream, OutputStream, Closeable, ComputeThreads, Duration)} named "the guest agent", with {@link #DEFAULT_TIMEOUT}. */
    static GuestConnection open(InputStream in, OutputStream out, Closeable transport, ComputeThreads threads) {
        return open("the bridge to the guest agent", in, out, transport, threads, DEFAULT_TIMEOUT);
    }

    /**
     * NegotiateProtocol for version 4, and what the guest said of itself. Once per connection: a
     * second call → FailedPrecondition without reaching the guest (which refuses a second
     * negotiation with E_NOTIMPL). A guest that does not offer version 4 → NotImplemented (its
     * HRESULT 0xC037010C).
     */
    GuestCapabilities negotiate();

    /** The capabilities negotiated; FailedPrecondition before {@link #negotiate()}. */
    GuestCapabilities capabilities();

    /** DumpStacks: the guest agent's own stacks (Go goroutines); "" when the guest does not offer it. */
    String dumpStacks();

    /**
     * ExecuteProcess in the null container (execInHost): runs {@code args} in the guest, outside
     * any container, in {@code workingDirectory} with exactly {@code environment}. Empty args →
     * InvalidArgument. The guest cannot signal such a process (v0.12 answers 0xC037010E).
     */
    GuestProcess execInHost(List<String> args, String workingDirectory, Map<String, String> environment,
            StdioPorts stdio);

    /** ModifySettings Add CombinedLayers: mounts a container's root file system in the guest. */
    void addCombinedLayers(CombinedLayers layers);

    /**
     * ModifySettings Remove CombinedLayers: unmounts it. hcsshim's teardown order is shutdown, wait
     * for the exit, this, then {@link GuestContainer#deleteState()}.
     */
    void removeCombinedLayers(CombinedLayers layers);

    /** ModifySettings Add MappedDirectory: the guest mounts a Plan9 share the host serves on vsock. */
    void addMappedDirectory(MappedDirectory directory);

    /** ModifySettings Remove MappedDirectory. */
    void removeMappedDirectory(MappedDirectory directory);

    /**
     * Create: the guest writes {@code bundlePath/config.json} from {@code ociSpecification} (an OCI
     * runtime spec; its {@code root.path} is the guest's path of the root file system, e.g. a
     * CombinedLayers' {@code containerRootPath}) and runs {@code runc create}; the container is then
     * <em>created</em>, its init process not yet started. {@code id} empty or the null container's →
     * InvalidArgument.
     *
     * @param scratchPath the guest directory the guest may delete with the container's state
     */
    GuestContainer createContainer(String id, JsonNode ociSpecification, String bundlePath, String scratchPath);

    /**
     * Completes, with the Unavailable error requests now fail with, once the connection is lost or
     * closed. Dependent actions run on the reader thread: keep them short.
     */
    CompletableFuture<HatchwayException> lost();

    /**
     * Closes the transport: every request in flight fails with Unavailable. The guest's containers
     * are left as they are (the VM's end ends them). Idempotent; never throws.
     */
    @Override
    void close();
}
