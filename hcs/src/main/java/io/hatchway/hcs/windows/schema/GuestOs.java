package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The container's host name ({@code schema2/guest_os.go}). */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record GuestOs(@JsonProperty("HostName") String hostName) {
}
