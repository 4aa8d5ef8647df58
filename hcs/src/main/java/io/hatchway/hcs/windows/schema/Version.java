package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A schema version ({@code schema2/version.go}). */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Version(@JsonProperty("Major") int major, @JsonProperty("Minor") int minor) {
    /** The version hcsshim sends for every v2 document ({@code internal/schemaversion SchemaV21}). */
    public static final Version V2_1 = new Version(2, 1);
}
