package io.hatchway.hcs.windows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.windows.schema.Properties;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * HCS's {@code ProcessList} and {@code Statistics} of a compute system in the task layer's terms
 * (100 ns units as HCS gives them). Stateless.
 */
final class ContainerFigures {
    private ContainerFigures() {
    }

    /** Every process of the list, user time from {@code UserTime100ns}, {@code execId} left empty. */
    static List<ProcessDetails> processes(Properties properties) {
        List<ProcessDetails> out = new ArrayList<>();
        for (var process : properties.processes()) {
            out.add(new ProcessDetails((int) process.processId(), process.imageName(),
                    instant(process.createTimestamp()), process.userTime100ns(), process.kernelTime100ns(),
                    process.memoryCommitBytes(), process.memoryWorkingSetPrivateBytes(),
                    process.memoryWorkingSetSharedBytes(), ""));
        }
        return out;
    }

    /**
     * User and kernel time, the private working set as memory in use, commit, bytes read and
     * written; the process count from the {@code ProcessList} asked for with them.
     *
     * @throws io.hatchway.hcs.HatchwayException NotFound when HCS gave no statistics
     */
    static Statistics statistics(String name, Properties properties) {
        var statistics = properties.statistics();
        if (statistics == null) {
            throw ErrorKind.NotFound.error("failed to fetch stats: %s: HCS returned no statistics", name);
        }
        var processor = statistics.processor();
        var memory = statistics.memory();
        var storage = statistics.storage();
        return new Statistics(statistics.timestamp() == null ? Instant.now().toString() : instant(statistics.timestamp()),
                processor == null ? 0 : processor.runtimeUser100ns(),
                processor == null ? 0 : processor.runtimeKernel100ns(),
                memory == null ? 0 : memory.memoryUsagePrivateWorkingSetBytes(),
                memory == null ? 0 : memory.memoryUsageCommitBytes(), 0,
                storage == null ? 0 : storage.readSizeBytes(), storage == null ? 0 : storage.writeSizeBytes(),
                properties.processes().size(), 0);
    }

    /** An RFC 3339 time (Go's {@code time.Time}) as ISO-8601 UTC; as given when it is not one. */
    static String instant(String rfc3339) {
        if (rfc3339 == null) {
            return "";
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant().toString();
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
    }
}
