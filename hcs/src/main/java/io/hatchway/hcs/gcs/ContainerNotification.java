package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The guest agent's unsolicited word that a container exited ({@link Rpc#NOTIFY_CONTAINER}).
 * {@code type} is {@code GracefulExit}, {@code UnexpectedExit}, ... but the GCS sets it racily (a
 * shutdown may still report an unexpected exit), so nothing should depend on it.
 *
 * @param containerId the container that exited
 * @param activityId the ActivityId of the container's Create
 * @param type the notification type
 * @param operation the operation that was active ({@code None})
 * @param result the HRESULT the container ended with (0 for none)
 */
public record ContainerNotification(String containerId, String activityId, String type, String operation, int result) {
    static ContainerNotification of(JsonNode body) {
        return new ContainerNotification(body.path("ContainerId").asText(""), body.path("ActivityId").asText(""),
                body.path("Type").asText(""), body.path("Operation").asText(""), body.path("Result").asInt());
    }
}
