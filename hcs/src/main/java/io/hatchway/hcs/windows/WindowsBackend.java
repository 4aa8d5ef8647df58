package io.hatchway.hcs.windows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.RecoveredSystem;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.lcow.LcowSystem;
import io.hatchway.hcs.windows.schema.Properties;
import io.hatchway.hcs.windows.schema.SystemQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code windows} backend: every task a process-isolated Windows container (Argon) of the Host
 * Compute Service, through {@code computecore.dll} ({@link ComputeCore}), as hcsshim's runhcs shim
 * drives them; with {@code isolation: hypervisor} a Linux container in a utility VM of its own,
 * reached through its guest agent's bridge ({@link LcowSystem}).
 *
 * <p>Each container's {@code Owner} is {@link #owner}: this backend's name and its state directory,
 * so that one agent recognises what it created. Containers end with the agent: HCS terminates one
 * when its last handle is closed ({@code ShouldTerminateOnLastHandleClosed}), which {@link #close}
 * does and the operating system does for a JVM that dies; {@link #hostExit} first asks them to stop.
 * What an earlier agent on the same state directory left (its handles held elsewhere) is found by
 * {@link #recover} through {@code HcsEnumerateComputeSystems} and ended.
 */
final class WindowsBackend implements ComputeBackend {
    private static final Logger log = LoggerFactory.getLogger(WindowsBackend.class);
    private static final String RUNTIME = "runtime";

    private final HcsLibrary library;
    private final String owner;
    private final Duration hostExitShutdown;
    private final ComputeThreads threads;
    /** The threads of the stdio relays and of FIFO opens: each lives as long as its stream. */
    private final ExecutorService io;
    private final Map<String, ComputeSystem> systems = new ConcurrentHashMap<>();

    WindowsBackend(HcsLibrary library, Path stateDir, Duration hostExitShutdown, ComputeThreads threads) {
        this.library = Objects.requireNonNull(library);
        this.owner = owner(stateDir);
        this.hostExitShutdown = Objects.requireNonNull(hostExitShutdown);
        this.threads = threads;
        this.io = threads.pool("hatchway-hcs-io-");
    }

    /** The {@code Owner} of the containers an agent on {@code stateDir} creates. */
    static String owner(Path stateDir) {
        return "hatchway:" + stateDir.toAbsolutePath().normalize();
    }

    @Override
    public String name() {
        return "windows";
    }

    /** {@code runtime} (runc's), known here only to be refused: HCS runs no OCI runtime. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(RUNTIME);
    }

    /**
     * {@code HcsCreateComputeSystem} from the bundle's document (its {@code windows.layerFolders},
     * parent layers then the scratch), bounded; the init process is created at start.
     *
     * With {@code isolation: hypervisor} the bundle is a Linux one (as runc's) run in a Linux
     * utility VM of its own ({@link LcowSystem}).
     *
     * @throws io.hatchway.hcs.HatchwayException NotImplemented for a Windows guest in a utility VM
     *     (the bundle's {@code windows.hyperv}); InvalidArgument for {@code isolation: sandbox}
     *     (runc's); AlreadyExists when a
     *     compute system with this id exists on this host; InvalidArgument for a bundle HCS cannot
     *     run
     */
    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        Objects.requireNonNull(id);
        Objects.requireNonNull(bundle);
        options.requireIsolation(name(), Set.of(TaskOptions.Isolation.NONE, TaskOptions.Isolation.HYPERVISOR));
        if (!options.option(RUNTIME).isEmpty()) {
            throw ErrorKind.NotImplemented.error("runtime '%s': the windows backend runs no OCI runtime",
                    options.option(RUNTIME));
        }
        if (options.hypervisor()) {
            if (systems.containsKey(id)) {
                throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists", id);
            }
            LcowSystem system = LcowSystem.create(library, id, owner, bundle, released -> systems.remove(released.id(), released), threads);
            systems.put(id, system);
            return system;
        }
        if (bundle.windows().map(Bundle.Windows::hyperv).orElse(false)) {
            throw ErrorKind.NotImplemented.error("windows.hyperv: a Windows guest in a utility VM (WCOW) is not driven;"
                    + " isolation 'hypervisor' runs a Linux bundle in a Linux utility VM");
        }
        ArgonDocuments.checkUser(bundle.process());
        String document = Json.write(ArgonDocuments.computeSystem(bundle, owner, scratchVolume(bundle),
                WindowsBackend::layerId));
        PointerByReference created = new PointerByReference();
        try (Utf16 wideId = Utf16.of(id); Utf16 configuration = Utf16.of(document)) {
            Calls.run(library, "HcsCreateComputeSystem", Calls.SYSTEM, operation ->
                    library.core().HcsCreateComputeSystem(wideId, configuration, operation, null, created));
        } catch (HcsFailure e) {
            closeCreated(created);
            if (Hresult.HCS_E_SYSTEM_ALREADY_EXISTS.is(e.hresult())) {
                throw ErrorKind.AlreadyExists.error("task with id: '%s' already exists on this host: %s", id,
                        e.getMessage());
            }
            throw e.toError("task '%s': cannot create its container", id);
        } catch (RuntimeException e) {
            closeCreated(created); // a create that timed out may still have handed a handle back
            throw e;
        }
        HcsSystem system = HcsSystem.watch(library, id, bundle, new HCS_SYSTEM(created.getValue()),
                released -> systems.remove(released.id(), released),
                threads, io);
        systems.put(id, system);
        return system;
    }

    /**
     * {@code Storage.Path}: the volume the caller mounted the scratch layer at ({@code root.path},
     * as containerd passes it), else the scratch layer's folder. hcsshim mounts that folder itself
     * through vmcompute's layer functions, which are not part of computecore.dll: on Windows a
     * bundle without {@code root.path} needs its scratch layer mounted beforehand.
     */
    private static String scratchVolume(Bundle bundle) {
        return ArgonDocuments.premountedVolume(bundle).orElseGet(() -> ArgonDocuments.layers(bundle).scratch());
    }

    /**
     * A read-only layer's GUID: derived from the folder's name (a name-based UUID), as hcsshim
     * derives it from the name through vmcompute's {@code NameToGuid}, which computecore.dll does
     * not have; the GUID only has to be stable per layer.
     */
    private static String layerId(String folder) {
        String name = Path.of(folder).getFileName().toString();
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Closing the handle of a half-made system ends it (it terminates on its last handle's close). */
    private void closeCreated(PointerByReference created) {
        if (created.getValue() != null) {
            library.core().HcsCloseComputeSystem(new HCS_SYSTEM(created.getValue()));
        }
    }

    /**
     * Ends what an earlier agent on this state directory left: every compute system whose
     * {@code Owner} is ours ({@code HcsEnumerateComputeSystems}), opened and terminated. Finds
     * nothing to drive again: a container's stdio went with the agent that relayed it.
     */
    @Override
    public List<RecoveredSystem> recover() {
        List<Properties> found;
        String query = Json.write(SystemQuery.ownedBy(owner));
        try (Utf16 wide = Utf16.of(query)) {
            String document = Calls.run(library, "HcsEnumerateComputeSystems", Calls.CALL,
                    operation -> library.core().HcsEnumerateComputeSystems(wide, operation));
            found = document == null || document.isBlank() ? List.of()
                    : Json.MAPPER.readValue(document, new TypeReference<List<Properties>>() { });
        } catch (HcsFailure | JsonProcessingException e) {
            log.warn("listing the containers of an earlier agent: {}", e.getMessage());
            return List.of();
        }
        for (Properties leftover : found) {
            if (owner.equals(leftover.owner()) && !systems.containsKey(leftover.id())) {
                end(leftover.id());
            }
        }
        return List.of();
    }

    private void end(String id) {
        PointerByReference opened = new PointerByReference();
        int hresult;
        try (Utf16 wide = Utf16.of(id)) {
            hresult = library.core().HcsOpenComputeSystem(wide, ComputeCore.GENERIC_ALL, opened);
        }
        if (hresult < 0) {
            log.info("leftover container '{}' of an earlier agent is gone already (HRESULT 0x{})", id,
                    Integer.toHexString(hresult));
            return;
        }
        HCS_SYSTEM system = new HCS_SYSTEM(opened.getValue());
        try {
            log.info("leftover container '{}' of an earlier agent: terminating it", id);
            Calls.run(library, "HcsTerminateComputeSystem", Calls.CALL,
                    operation -> library.core().HcsTerminateComputeSystem(system, operation, null));
        } catch (HcsFailure e) {
            if (!e.alreadyStopped()) {
                log.warn("leftover container '{}': {}", id, e.getMessage());
            }
        } finally {
            library.core().HcsCloseComputeSystem(system);
        }
    }

    /** Shuts every container down, gives them the host-exit wait, terminates the rest; nothing when there is none. */
    @Override
    public void hostExit() {
        List<ComputeSystem> all = List.copyOf(systems.values());
        if (all.isEmpty()) {
            return;
        }
        all.forEach(ComputeSystem::shutdown);
        CompletableFuture<?>[] exits = all.stream().map(s -> s.exited().toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(hostExitShutdown.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            all.stream().filter(s -> !s.exited().toCompletableFuture().isDone()).forEach(s -> {
                log.warn("host exit: task '{}' still running {} ms after shutdown; terminating it", s.id(),
                        hostExitShutdown.toMillis());
                s.terminate();
            });
        }
        all.forEach(WindowsBackend::closeQuietly);
    }

    /** Closes every handle: HCS terminates each container whose last handle this was. */
    @Override
    public void close() {
        List.copyOf(systems.values()).forEach(WindowsBackend::closeQuietly);
    }

    private static void closeQuietly(ComputeSystem system) {
        try {
            system.close();
        } catch (RuntimeException e) {
            log.warn("task '{}': {}", system.id(), e.getMessage());
        }
    }
}
