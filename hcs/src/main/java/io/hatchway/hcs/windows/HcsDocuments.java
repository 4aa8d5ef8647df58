package io.hatchway.hcs.windows;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.schema.ComputeSystem;
import io.hatchway.hcs.windows.schema.Container;
import io.hatchway.hcs.windows.schema.Layer;
import io.hatchway.hcs.windows.schema.ProcessParameters;
import io.hatchway.hcs.windows.schema.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** INTERIM until win-docs' bundle → document builder lands: the least the backend needs. */
final class HcsDocuments {
    private HcsDocuments() {
    }

    static boolean hypervisorIsolated(Bundle bundle) {
        return bundle.config().path("windows").has("hyperv");
    }

    static void checkProcess(ProcessSpec spec) {
        if (spec.uid().isPresent() || spec.gid().isPresent()) {
            throw ErrorKind.InvalidArgument.error("user: a Windows process runs as a user name (user.username)");
        }
    }

    static ComputeSystem computeSystem(String id, String owner, Bundle bundle) {
        JsonNode folders = bundle.config().path("windows").path("layerFolders");
        if (!folders.isArray() || folders.size() < 2) {
            throw ErrorKind.InvalidArgument.error("windows.layerFolders: parent layers then the scratch layer are required");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < folders.size() - 1; i++) {
            String path = folders.get(i).asText();
            String name = Path.of(path).getFileName().toString();
            layers.add(new Layer(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString(), path));
        }
        String scratch = folders.get(folders.size() - 1).asText();
        return ComputeSystem.container(owner, new Container(null, new Storage(layers, scratch), null, null));
    }

    static ProcessParameters processParameters(ProcessSpec spec, boolean hasStdin) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : spec.env()) {
            int equals = entry.indexOf('=');
            if (equals < entry.length() - 1) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return new ProcessParameters(CommandLine.of(spec.args()), null, spec.cwd(), environment, spec.terminal(),
                hasStdin, true, !spec.terminal(), null);
    }
}
