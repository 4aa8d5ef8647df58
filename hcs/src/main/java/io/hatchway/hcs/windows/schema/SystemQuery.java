package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The query {@code HcsEnumerateComputeSystems} takes: which systems to list, by id, type, name or
 * owner; an empty list matches every value. hcsshim's {@code GetComputeSystems} sends
 * {@code schema1 ComputeSystemQuery} ({@code internal/hcs/schema1/schema1.go}), whose names these
 * are; the answer is an array of {@link Properties}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record SystemQuery(
        @JsonProperty("Ids") List<String> ids,
        @JsonProperty("Types") List<String> types,
        @JsonProperty("Names") List<String> names,
        @JsonProperty("Owners") List<String> owners) {

    public SystemQuery {
        ids = ids == null ? null : List.copyOf(ids);
        types = types == null ? null : List.copyOf(types);
        names = names == null ? null : List.copyOf(names);
        owners = owners == null ? null : List.copyOf(owners);
    }

    /** The systems {@code owner} created. */
    public static SystemQuery ownedBy(String owner) {
        return new SystemQuery(null, null, null, List.of(owner));
    }
}
