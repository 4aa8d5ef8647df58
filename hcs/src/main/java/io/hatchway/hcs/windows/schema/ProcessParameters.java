package io.hatchway.hcs.windows.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The document {@code HcsCreateProcess} takes ({@code schema2/process_parameters.go}).
 * {@code ConsoleSize} is height then width. With {@code EmulateConsole} HCS gives the process a
 * pseudo console and ignores {@code CreateStdErrPipe}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ProcessParameters(
        @JsonProperty("CommandLine") String commandLine,
        @JsonProperty("User") String user,
        @JsonProperty("WorkingDirectory") String workingDirectory,
        @JsonProperty("Environment") Map<String, String> environment,
        @JsonProperty("EmulateConsole") boolean emulateConsole,
        @JsonProperty("CreateStdInPipe") boolean createStdInPipe,
        @JsonProperty("CreateStdOutPipe") boolean createStdOutPipe,
        @JsonProperty("CreateStdErrPipe") boolean createStdErrPipe,
        @JsonProperty("ConsoleSize") List<Integer> consoleSize) {

    public ProcessParameters {
        environment = environment == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        consoleSize = consoleSize == null ? null : List.copyOf(consoleSize);
    }
}
