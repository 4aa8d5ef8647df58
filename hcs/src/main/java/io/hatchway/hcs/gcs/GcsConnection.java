package io.hatchway.hcs.gcs;

import static io.hatchway.hcs.ErrorKind.FailedPrecondition;
import static io.hatchway.hcs.ErrorKind.InvalidArgument;
import static io.hatchway.hcs.ErrorKind.NotImplemented;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link GuestConnection} over a {@link Bridge}: the null container's requests and the container registry. */
final class GcsConnection implements GuestConnection {
    private static final Logger log = LoggerFactory.getLogger(GcsConnection.class);

    private final Executor background;
    /** The containers created here, by id, until their state is deleted: where exit notifications go. */
    private final Map<String, GcsContainer> containers = new ConcurrentHashMap<>();
    /** The CombinedLayers added and not yet removed, by container id: what DeleteContainerState must wait for. */
    private final Map<String, CombinedLayers> mountedLayers = new ConcurrentHashMap<>();
    private volatile GuestCapabilities capabilities;
    private final Bridge bridge; // last: its reader may deliver a notification at once

    GcsConnection(String name, InputStream in, OutputStream out, Closeable transport, ComputeThreads threads,
            Duration timeout) {
        this.background = threads.background();
        this.bridge = new Bridge(name, in, out, transport, threads, timeout, this::notified);
        bridge.lost().thenAccept(error -> containers.values().forEach(container -> container.lost(error)));
    }

    /** {@code in container 'c1'}, or {@code in the guest} for the null container. */
    static String where(String containerId) {
        return NULL_CONTAINER_ID.equals(containerId) ? "in the guest" : "in container '" + containerId + "'";
    }

    @Override
    public synchronized GuestCapabilities negotiate() {
        if (capabilities != null) {
            throw FailedPrecondition.error("NegotiateProtocol: version %d was already negotiated on this bridge;"
                    + " the guest negotiates once per connection", capabilities.protocolVersion());
        }
        ObjectNode request = Bridge.request(NULL_CONTAINER_ID)
                .put("MinimumVersion", PROTOCOL_VERSION).put("MaximumVersion", PROTOCOL_VERSION);
        GuestCapabilities answered = GuestCapabilities.of(bridge.call(Rpc.NegotiateProtocol, "NegotiateProtocol", request));
        if (answered.protocolVersion() != PROTOCOL_VERSION) {
            throw NotImplemented.error("NegotiateProtocol: the guest chose version %d, not %d",
                    answered.protocolVersion(), PROTOCOL_VERSION);
        }
        capabilities = answered;
        return answered;
    }

    @Override
    public GuestCapabilities capabilities() {
        return negotiated("capabilities");
    }

    @Override
    public String dumpStacks() {
        if (!negotiated("DumpStacks").dumpStacksSupported()) {
            return "";
        }
        return bridge.call(Rpc.DumpStacks, "DumpStacks", Bridge.request(NULL_CONTAINER_ID)).path("GuestStacks").asText("");
    }

    @Override
    public GuestProcess execInHost(List<String> args, String workingDirectory, Map<String, String> environment,
            StdioPorts stdio) {
        negotiated("ExecuteProcess in the guest");
        if (args == null || args.isEmpty()) {
            throw InvalidArgument.error("ExecuteProcess in the guest: missing command");
        }
        ObjectNode parameters = Json.MAPPER.createObjectNode();
        args.forEach(parameters.putArray("CommandArgs")::add);
        if (workingDirectory != null) {
            parameters.put("WorkingDirectory", workingDirectory);
        }
        if (environment != null) {
            ObjectNode env = parameters.putObject("Environment");
            environment.forEach(env::put);
        }
        return GcsProcess.execute(bridge, background, NULL_CONTAINER_ID, parameters, Objects.requireNonNull(stdio));
    }

    @Override
    public void addCombinedLayers(CombinedLayers layers) {
        modify("Add", "CombinedLayers", Json.MAPPER.valueToTree(layers), "for container '" + layers.containerId() + "'");
        mountedLayers.put(layers.containerId(), layers);
    }

    @Override
    public void removeCombinedLayers(CombinedLayers layers) {
        ObjectNode settings = Json.MAPPER.createObjectNode()
                .put("ContainerID", layers.containerId()).put("ContainerRootPath", layers.containerRootPath());
        modify("Remove", "CombinedLayers", settings, "for container '" + layers.containerId() + "'");
        mountedLayers.remove(layers.containerId());
    }

    @Override
    public void addMappedDirectory(MappedDirectory directory) {
        modify("Add", "MappedDirectory", Json.MAPPER.valueToTree(directory), "at " + directory.mountPath());
    }

    @Override
    public void removeMappedDirectory(MappedDirectory directory) {
        modify("Remove", "MappedDirectory", Json.MAPPER.valueToTree(directory), "at " + directory.mountPath());
    }

    /** ModifySettings on the null container: {@code Request} is an object, not a JSON string. */
    private void modify(String requestType, String resourceType, JsonNode settings, String what) {
        String operation = "ModifySettings " + requestType + " " + resourceType + " " + what;
        negotiated(operation);
        ObjectNode request = Bridge.request(NULL_CONTAINER_ID);
        request.putObject("Request").put("RequestType", requestType).put("ResourceType", resourceType)
                .set("Settings", settings);
        bridge.call(Rpc.ModifySettings, operation, request);
    }

    @Override
    public GuestContainer createContainer(String id, JsonNode ociSpecification, String bundlePath, String scratchPath) {
        String operation = "Create container '" + id + "'";
        negotiated(operation);
        if (id == null || id.isEmpty() || NULL_CONTAINER_ID.equals(id)) {
            throw InvalidArgument.error("Create container '%s': a container needs an id of its own", id);
        }
        Objects.requireNonNull(ociSpecification);
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.putObject("SchemaVersion").put("Major", 2).put("Minor", 1);
        config.put("OciBundlePath", Objects.requireNonNull(bundlePath));
        config.set("OciSpecification", ociSpecification);
        config.put("ScratchDirPath", Objects.requireNonNull(scratchPath));
        ObjectNode request = Bridge.request(id).put("ContainerConfig", Json.write(config));
        GcsContainer container = new GcsContainer(this, id);
        containers.put(id, container);
        try {
            bridge.call(Rpc.Create, operation, request);
        } catch (RuntimeException e) {
            containers.remove(id, container);
            throw e;
        }
        return container;
    }

    @Override
    public CompletableFuture<HatchwayException> lost() {
        return bridge.lost();
    }

    @Override
    public void close() {
        bridge.close();
    }

    Bridge bridge() {
        return bridge;
    }

    Executor background() {
        return background;
    }

    /** The capabilities, or FailedPrecondition naming {@code operation} before the negotiation. */
    GuestCapabilities negotiated(String operation) {
        GuestCapabilities negotiated = capabilities;
        if (negotiated == null) {
            throw FailedPrecondition.error("%s: the protocol is not negotiated yet (NegotiateProtocol first)", operation);
        }
        return negotiated;
    }

    /** The CombinedLayers of {@code containerId} still mounted, or null. */
    CombinedLayers mountedLayers(String containerId) {
        return mountedLayers.get(containerId);
    }

    /** Called once the container's state is deleted: no notification is expected for it any more. */
    void deleted(GcsContainer container) {
        containers.remove(container.id(), container);
    }

    private void notified(JsonNode body) {
        ContainerNotification notification = ContainerNotification.of(body);
        GcsContainer container = containers.get(notification.containerId());
        if (container == null) {
            log.debug("container notification for a container not created here: {}", notification);
            return;
        }
        container.notified(notification);
    }
}
