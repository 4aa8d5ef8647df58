package io.hatchway.hcs.windows;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.schema.ComputeSystem;
import io.hatchway.hcs.windows.schema.Container;
import io.hatchway.hcs.windows.schema.GuestOs;
import io.hatchway.hcs.windows.schema.Layer;
import io.hatchway.hcs.windows.schema.MappedDirectory;
import io.hatchway.hcs.windows.schema.Networking;
import io.hatchway.hcs.windows.schema.ProcessParameters;
import io.hatchway.hcs.windows.schema.Storage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The HCS documents of a process-isolated (Argon) container, from an OCI bundle, as hcsshim's
 * {@code internal/hcsoci} builds them ({@code create.go}, {@code hcsdoc_wcow.go},
 * {@code resources_wcow.go}) and its {@code internal/cmd} builds a process's parameters.
 *
 * <p>Storage: {@code windows.layerFolders} holds the image's read-only layers, topmost first, then
 * the scratch layer ({@code layers/wcow_parse.go ParseWCOWLayers}, at least two folders). The
 * read-only layers become {@code Storage.Layers} in that order, each with its layer GUID; the
 * scratch layer is not a {@code Layer}: it is mounted as a volume, whose path is
 * {@code Storage.Path}. hcsshim mounts it itself when {@code root.path} is empty
 * ({@code layers.MountWCOWLayers}, vmcompute's layer calls, outside computecore) and otherwise takes
 * {@code root.path} as the volume the caller already mounted, which must then be a volume GUID path
 * ({@link #premountedVolume}). The caller here passes the path either way: it owns the mount.
 *
 * <p>Stateless and thread-safe.
 */
public final class ArgonDocuments {
    /** hcsshim's {@code volumeGUIDRegex} for {@code root.path} ({@code hcsdoc_wcow.go}). */
    private static final Pattern VOLUME_GUID_PATH = Pattern.compile(
            "^\\\\\\\\\\?\\\\Volume\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?\\}(|\\\\)$");
    /** {@code internal/uvm/pipes.go pipePrefix}. */
    private static final String PIPE_PREFIX = "\\\\.\\pipe\\";

    private ArgonDocuments() {
    }

    /** A container's layer folders: the read-only layers, topmost first, and the scratch layer. */
    public record Layers(List<String> readOnly, String scratch) {
        public Layers {
            readOnly = List.copyOf(readOnly);
            Objects.requireNonNull(scratch);
        }
    }

    /**
     * The bundle's layer folders.
     *
     * @throws HatchwayException InvalidArgument without a {@code windows} section or with fewer
     *     than two folders (hcsshim: {@code must pass at least two Windows.LayerFolders});
     *     NotImplemented for a hypervisor-isolated spec ({@code windows.hyperv})
     */
    public static Layers layers(Bundle bundle) {
        Bundle.Windows windows = bundle.windows().orElseThrow(() -> invalid(bundle, "windows",
                "missing: a Windows container needs windows.layerFolders"));
        if (windows.hyperv()) {
            throw ErrorKind.NotImplemented.error(
                    "bundle '%s': config.json windows.hyperv: hypervisor-isolated containers are not supported, only process isolation",
                    bundle);
        }
        List<String> folders = windows.layerFolders();
        if (folders.size() < 2) {
            throw invalid(bundle, "windows.layerFolders",
                    "must pass at least two folders (the image's layers, then the scratch layer)");
        }
        for (String folder : folders) {
            if (folder.isEmpty()) {
                throw invalid(bundle, "windows.layerFolders", "holds an empty folder");
            }
        }
        return new Layers(folders.subList(0, folders.size() - 1), folders.get(folders.size() - 1));
    }

    /**
     * The volume the caller mounted the scratch layer at, when the spec names one in
     * {@code root.path}: a volume GUID path, given a trailing backslash if it lacks one (as
     * hcsshim is "nice to clients"); empty when the scratch layer is still to be mounted.
     *
     * @throws HatchwayException InvalidArgument for a {@code root.path} that is not a volume GUID path
     */
    public static Optional<String> premountedVolume(Bundle bundle) {
        Optional<String> path = bundle.rootPath();
        if (path.isEmpty()) {
            return path;
        }
        String volume = path.get();
        if (!VOLUME_GUID_PATH.matcher(volume).matches()) {
            throw invalid(bundle, "root.path", String.format(
                    "'%s' must be a volume GUID path in the format '\\\\?\\Volume{GUID}\\'", volume));
        }
        return Optional.of(volume.endsWith("\\") ? volume : volume + "\\");
    }

    /**
     * The document that creates the bundle's container: owned by {@code owner}, schema 2.1,
     * terminated when its last handle closes; host name, storage, mapped directories and network
     * from the bundle.
     *
     * @param volume {@code Storage.Path}: where the scratch layer is mounted
     * @param layerId a read-only layer folder's GUID (hcsshim: vmcompute's {@code NameToGuid} of
     *     the folder's name, {@code wclayer.LayerID})
     * @throws HatchwayException InvalidArgument for a bundle that cannot make a process-isolated
     *     container (layers as {@link #layers}, {@code root.readonly}, a mount without a source or
     *     a destination); NotImplemented for a named-pipe mount
     */
    public static ComputeSystem computeSystem(Bundle bundle, String owner, String volume, UnaryOperator<String> layerId) {
        Objects.requireNonNull(owner);
        Objects.requireNonNull(volume);
        Objects.requireNonNull(layerId);
        Layers layers = layers(bundle);
        if (bundle.config().path("root").path("readonly").asBoolean(false)) {
            throw invalid(bundle, "root.readonly", "a read-only root is not supported for Windows containers");
        }
        List<Layer> readOnly = new ArrayList<>();
        for (String folder : layers.readOnly()) {
            readOnly.add(new Layer(layerId.apply(folder), folder));
        }
        Container container = new Container(bundle.hostname().map(GuestOs::new).orElse(null),
                new Storage(readOnly, volume), mappedDirectories(bundle), networking(bundle));
        return ComputeSystem.container(owner, container);
    }

    /**
     * A process's parameters ({@code internal/cmd/cmd.go Start}): the spec's own
     * {@code commandLine}, else its args escaped ({@link CommandLine}); the user by name; the
     * working directory as given; the environment ({@link #environment}); a pseudo console and its
     * size for a terminal; a pipe for each stream the caller relays. With a terminal there is no
     * stderr pipe: the console carries both outputs (HCS ignores the pipe, hcsshim never has one).
     */
    public static ProcessParameters processParameters(ProcessSpec spec, boolean stdin, boolean stdout, boolean stderr) {
        String commandLine = spec.commandLine().orElseGet(() -> CommandLine.of(spec.args()));
        List<Integer> consoleSize = spec.consoleSize().map(size -> List.of(size.height(), size.width())).orElse(null);
        return new ProcessParameters(commandLine, spec.username().orElse(null), spec.workingDirectory().orElse(null),
                environment(spec.env()), spec.terminal(), stdin, stdout, stderr && !spec.terminal(), consoleSize);
    }

    /**
     * {@code KEY=VALUE} entries as HCS's map, as hcsshim makes it: split at the first {@code =},
     * an entry with an empty value left out, a later entry for the same name winning.
     */
    public static Map<String, String> environment(List<String> env) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : env) {
            int equals = entry.indexOf('=');
            if (equals >= 0 && equals < entry.length() - 1) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return environment;
    }

    /**
     * hcsshim's {@code createMountsConfig} for a process-isolated container: every mount becomes a
     * mapped directory, read-only when an option is {@code ro} (any case).
     */
    private static List<MappedDirectory> mappedDirectories(Bundle bundle) {
        List<MappedDirectory> directories = new ArrayList<>();
        List<Bundle.Mount> mounts = bundle.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            Bundle.Mount mount = mounts.get(i);
            if (mount.source().isEmpty() || mount.destination().isEmpty()) {
                throw invalid(bundle, "mounts[" + i + "]", "a mount must have both a source and a destination");
            }
            if (mount.source().startsWith(PIPE_PREFIX) || mount.destination().startsWith(PIPE_PREFIX)) {
                throw ErrorKind.NotImplemented.error("bundle '%s': config.json mounts[%d]: named pipe mounts ('%s') are not supported",
                        bundle, i, mount.source());
            }
            boolean readOnly = mount.options().stream().anyMatch(option -> option.toLowerCase(Locale.ROOT).equals("ro"));
            directories.add(new MappedDirectory(mount.source(), mount.destination(), readOnly));
        }
        return directories;
    }

    /** hcsshim's V2 networking from {@code windows.network} ("only partial at the moment" there too). */
    private static Networking networking(Bundle bundle) {
        return bundle.windows().flatMap(Bundle.Windows::network)
                .map(network -> new Networking(network.allowUnqualifiedDnsQuery(), String.join(",", network.dnsSearchList()),
                        network.networkSharedContainerName(), network.networkNamespace()))
                .orElse(null);
    }

    private static HatchwayException invalid(Bundle bundle, String field, String problem) {
        return ErrorKind.InvalidArgument.error("bundle '%s': config.json %s: %s", bundle, field, problem);
    }

    /**
     * A Windows process names its user by {@code user.username}; a Linux uid or gid other than 0
     * (root, what a spec without a user means) cannot be honoured.
     *
     * @throws io.hatchway.hcs.HatchwayException InvalidArgument naming {@code user.uid} or {@code user.gid}
     */
    static void checkUser(ProcessSpec spec) {
        if (spec.uid().filter(uid -> uid != 0).isPresent()) {
            throw spec.invalid("user.uid", "%d: a Windows process runs as the user user.username names",
                    spec.uid().get());
        }
        if (spec.gid().filter(gid -> gid != 0).isPresent()) {
            throw spec.invalid("user.gid", "%d: a Windows process runs as the user user.username names",
                    spec.gid().get());
        }
    }
}
