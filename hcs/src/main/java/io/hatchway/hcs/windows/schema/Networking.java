package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A container's network settings ({@code schema2/networking.go}), as hcsshim fills them from the
 * OCI spec's {@code windows.network}: the HNS namespace to join and the DNS settings.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Networking(
        @JsonProperty("AllowUnqualifiedDnsQuery") boolean allowUnqualifiedDnsQuery,
        @JsonProperty("DnsSearchList") String dnsSearchList,
        @JsonProperty("NetworkSharedContainerName") String networkSharedContainerName,
        @JsonProperty("Namespace") String namespace) {
}
