package io.hatchway.hcs.gcs;

import static io.hatchway.hcs.ErrorKind.FailedPrecondition;
import static io.hatchway.hcs.ErrorKind.Unavailable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** A {@link GuestContainer} of a {@link GcsConnection}. */
final class GcsContainer implements GuestContainer {
    private final GcsConnection connection;
    private final Bridge bridge;
    private final String id;
    private final String name;
    private final CompletableFuture<ContainerNotification> exit = new CompletableFuture<>();

    GcsContainer(GcsConnection connection, String id) {
        this.connection = connection;
        this.bridge = connection.bridge();
        this.id = id;
        this.name = "container '" + id + "'";
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void start() {
        bridge.call(Rpc.Start, "Start " + name, Bridge.request(id));
    }

    @Override
    public GuestProcess startInit(StdioPorts stdio) {
        return GcsProcess.execute(bridge, connection.background(), id, Json.MAPPER.createObjectNode(),
                Objects.requireNonNull(stdio));
    }

    @Override
    public GuestProcess execute(JsonNode ociProcess, StdioPorts stdio) {
        ObjectNode parameters = Json.MAPPER.createObjectNode();
        parameters.set("OciProcess", Objects.requireNonNull(ociProcess));
        return GcsProcess.execute(bridge, connection.background(), id, parameters, Objects.requireNonNull(stdio));
    }

    @Override
    public List<Integer> processList() {
        List<Integer> pids = new ArrayList<>();
        properties("ProcessList").path("ProcessList").forEach(process -> pids.add(process.path("ProcessId").asInt()));
        return pids;
    }

    @Override
    public GuestStatistics statistics() {
        JsonNode properties = properties("Statistics");
        if (!properties.has("LCOWMetrics")) {
            throw Unavailable.error("GetProperties Statistics of %s: the guest answered no LCOWMetrics", name);
        }
        return GuestStatistics.of(properties.path("LCOWMetrics"));
    }

    /** GetProperties: {@code Query} and the response's {@code Properties} are JSON strings holding JSON. */
    private JsonNode properties(String propertyType) {
        String operation = "GetProperties " + propertyType + " of " + name;
        ObjectNode query = Json.MAPPER.createObjectNode();
        query.putArray("PropertyTypes").add(propertyType);
        ObjectNode request = Bridge.request(id).put("Query", Json.write(query));
        String properties = bridge.call(Rpc.GetProperties, operation, request).path("Properties").asText("");
        try {
            return properties.isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(properties);
        } catch (java.io.IOException e) {
            throw Unavailable.error("%s: the guest's Properties are not JSON: %s", operation, Bridge.reason(e));
        }
    }

    @Override
    public void updateConstraints(JsonNode linuxResources) {
        ObjectNode request = Bridge.request(id);
        ObjectNode settings = Json.MAPPER.createObjectNode();
        settings.set("Linux", Objects.requireNonNull(linuxResources));
        request.putObject("Request").put("RequestType", "Update").put("ResourceType", "ContainerConstraints")
                .set("Settings", settings);
        bridge.call(Rpc.ModifySettings, "ModifySettings Update ContainerConstraints of " + name, request);
    }

    @Override
    public void shutdownGraceful() {
        bridge.call(Rpc.ShutdownGraceful, "ShutdownGraceful " + name, Bridge.request(id));
    }

    @Override
    public void shutdownForced() {
        bridge.call(Rpc.ShutdownForced, "ShutdownForced " + name, Bridge.request(id));
    }

    @Override
    public CompletableFuture<ContainerNotification> exited() {
        return exit.thenApplyAsync(Function.identity(), connection.background());
    }

    @Override
    public void deleteState() {
        String operation = "DeleteContainerState " + name;
        if (!exit.isDone()) {
            throw FailedPrecondition.error("%s: it has not exited; shut it down and wait for its exit first", operation);
        }
        CombinedLayers layers = connection.mountedLayers(id);
        if (layers != null) {
            throw FailedPrecondition.error("%s: its CombinedLayers are still mounted at %s; remove them first, or the"
                    + " guest deletes through the mounted root file system", operation, layers.containerRootPath());
        }
        if (!connection.negotiated(operation).deleteContainerStateSupported()) {
            connection.deleted(this);
            return;
        }
        bridge.call(Rpc.DeleteContainerState, operation, Bridge.request(id));
        connection.deleted(this);
    }

    void notified(ContainerNotification notification) {
        exit.complete(notification);
    }

    void lost(HatchwayException error) {
        exit.completeExceptionally(Unavailable.error("waiting for the exit of %s: %s", name, error.detail()));
    }
}
