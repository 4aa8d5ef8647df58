package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What {@code HcsGetComputeSystemProperties} returns, and each element of what
 * {@code HcsEnumerateComputeSystems} returns ({@code schema2/properties.go}). {@code Id} and
 * {@code SystemType} are always there; {@code Statistics} and {@code ProcessList} only when the
 * query asked for them.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Properties(
        @JsonProperty("Id") String id,
        @JsonProperty("SystemType") String systemType,
        @JsonProperty("RuntimeOsType") String runtimeOsType,
        @JsonProperty("Name") String name,
        @JsonProperty("Owner") String owner,
        @JsonProperty("RuntimeId") String runtimeId,
        @JsonProperty("State") String state,
        @JsonProperty("Stopped") boolean stopped,
        @JsonProperty("ExitType") String exitType,
        @JsonProperty("Statistics") Statistics statistics,
        @JsonProperty("ProcessList") List<ProcessDetails> processList,
        @JsonProperty("TerminateOnLastHandleClosed") boolean terminateOnLastHandleClosed,
        @JsonProperty("HostingSystemId") String hostingSystemId) {

    public Properties {
        processList = processList == null ? null : List.copyOf(processList);
    }

    /** The process list, empty when the answer has none. */
    public List<ProcessDetails> processes() {
        return processList == null ? List.of() : processList;
    }
}
