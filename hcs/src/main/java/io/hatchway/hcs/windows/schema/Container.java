package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A container's configuration ({@code schema2/container.go}), the fields a process-isolated container uses. */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Container(
        @JsonProperty("GuestOs") GuestOs guestOs,
        @JsonProperty("Storage") Storage storage,
        @JsonProperty("MappedDirectories") List<MappedDirectory> mappedDirectories,
        @JsonProperty("Networking") Networking networking) {

    public Container {
        mappedDirectories = mappedDirectories == null ? null : List.copyOf(mappedDirectories);
    }
}
