package io.hatchway.hcs.windows.lcow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.gcs.CombinedLayers;
import io.hatchway.hcs.gcs.GuestConnection;
import io.hatchway.hcs.gcs.GuestContainer;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.runc.cli.LaunchFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A task's OCI bundle as its guest agent holds it (hcsshim's {@code hcsoci} for LCOW): the bundle's
 * root directory mounted as CombinedLayers (that directory the one read-only layer, a writable
 * scratch the guest makes) at {@code /run/gcs/c/<id>/rootfs}, and the container created from the
 * bundle's spec with that root ({@code runc create} in the guest).
 */
record GuestBundle(CombinedLayers layers, GuestContainer container) {

    /** The bundle's root directory ({@code root.path}, by default {@code rootfs}). @throws HatchwayException InvalidArgument when it is none */
    static Path root(Bundle bundle) {
        Path root = bundle.dir().resolve(bundle.rootPath().orElse("rootfs"));
        if (!Files.isDirectory(root)) {
            throw ErrorKind.InvalidArgument.error("bundle '%s': config.json root.path: '%s' is no directory", bundle, root);
        }
        return root;
    }

    /**
     * Mounts the root and creates container {@code id}; nothing is left in the guest on failure.
     *
     * @throws HatchwayException InvalidArgument for a process runc in the guest cannot launch (it
     *     resolves the binary at create, as the runc backend's); the guest's kind otherwise
     */
    static GuestBundle create(GuestConnection guest, String id, Bundle bundle) {
        Path root = root(bundle);
        String dir = "/run/gcs/c/" + id;
        String layerId = UUID.nameUUIDFromBytes(root.toString().getBytes(StandardCharsets.UTF_8)).toString();
        CombinedLayers layers = new CombinedLayers(id, dir + "/rootfs",
                List.of(new CombinedLayers.Layer(layerId, root.toString())), dir + "/scratch");
        guest.addCombinedLayers(layers);
        try {
            ObjectNode spec = bundle.config().deepCopy();
            spec.putObject("root").put("path", layers.containerRootPath()).put("readonly", false);
            return new GuestBundle(layers, guest.createContainer(id, spec, dir, layers.scratchPath()));
        } catch (HatchwayException e) {
            guest.removeCombinedLayers(layers);
            throw LaunchFailure.classify(e);
        } catch (RuntimeException e) {
            guest.removeCombinedLayers(layers);
            throw e;
        }
    }

    /**
     * hcsshim's order once the container has exited: the layers unmounted, then the container's
     * state deleted (the other order makes the guest delete through a still-mounted root).
     */
    void release(GuestConnection guest) {
        guest.removeCombinedLayers(layers);
        container.deleteState();
    }
}
