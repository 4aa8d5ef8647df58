package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The query {@code HcsGetComputeSystemProperties} takes ({@code schema2/property_query.go}). With
 * no property types the answer holds the basic properties only ({@code Id}, {@code SystemType},
 * {@code Owner}, ...), which is what hcsshim asks for with {@code "{}"}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record PropertyQuery(@JsonProperty("PropertyTypes") List<String> propertyTypes) {
    /** {@code schema2/property_type.go PTStatistics}. */
    public static final String STATISTICS = "Statistics";
    /** {@code schema2/property_type.go PTProcessList}. */
    public static final String PROCESS_LIST = "ProcessList";
    /** A utility VM's memory ({@code MemoryInformationForVm}). */
    public static final String MEMORY = "Memory";

    public PropertyQuery {
        propertyTypes = propertyTypes == null ? null : List.copyOf(propertyTypes);
    }

    public static PropertyQuery of(String... propertyTypes) {
        return new PropertyQuery(List.of(propertyTypes));
    }
}
