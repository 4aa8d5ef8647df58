package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What the guest agent said of itself when the protocol was negotiated (hcsshim's
 * {@code GcsCapabilities} and {@code GuestDefinedCapabilities}; the Linux GCS v0.12 answers version
 * 4, schema 2.1, {@code RuntimeOsType "Linux"} and the four guest-defined capabilities true).
 *
 * @param protocolVersion the version agreed (4)
 * @param runtimeOsType {@code Linux} or {@code Windows}, as the guest spells it
 * @param supportedSchemaVersions {@code 2.1}, ...
 * @param sendHostCreateMessage whether the guest wants a Create and Start for the null container
 * @param signalProcessSupported whether SignalProcess takes any signal (else only a kill)
 * @param dumpStacksSupported whether DumpStacks is answered
 * @param deleteContainerStateSupported whether DeleteContainerState is answered
 * @param namespaceAddRequestSupported whether network namespaces may be added
 */
public record GuestCapabilities(int protocolVersion, String runtimeOsType, List<String> supportedSchemaVersions,
        boolean sendHostCreateMessage, boolean signalProcessSupported, boolean dumpStacksSupported,
        boolean deleteContainerStateSupported, boolean namespaceAddRequestSupported) {

    public GuestCapabilities {
        supportedSchemaVersions = List.copyOf(supportedSchemaVersions);
    }

    /** The capabilities of a NegotiateProtocol response body. */
    static GuestCapabilities of(JsonNode response) {
        JsonNode capabilities = response.path("Capabilities");
        JsonNode guest = capabilities.path("GuestDefinedCapabilities");
        List<String> schemas = new ArrayList<>();
        capabilities.path("SupportedSchemaVersions")
                .forEach(version -> schemas.add(version.path("Major").asInt() + "." + version.path("Minor").asInt()));
        return new GuestCapabilities(response.path("Version").asInt(), capabilities.path("RuntimeOsType").asText(""),
                schemas, capabilities.path("SendHostCreateMessage").asBoolean(),
                guest.path("SignalProcessSupported").asBoolean(), guest.path("DumpStacksSupported").asBoolean(),
                guest.path("DeleteContainerStateSupported").asBoolean(),
                guest.path("NamespaceAddRequestSupported").asBoolean());
    }
}
