package io.hatchway.hcs.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A container the guest agent created ({@link GuestConnection#createContainer}). Its life:
 * created → {@link #start()} and {@link #startInit} → running → exited (the guest's notification
 * completes {@link #exited()}) → {@link #deleteState()}. Operations on a container the guest no
 * longer knows fail with NotFound (HRESULT 0xC037010E). Thread-safe.
 */
public interface GuestContainer {
    String id();

    /** Start: a no-op on a Linux guest, sent because hcsshim sends it. */
    void start();

    /** ExecuteProcess without an OCI process: starts the init process of the spec ({@code runc start}). */
    GuestProcess startInit(StdioPorts stdio);

    /**
     * ExecuteProcess with {@code ociProcess} (an OCI runtime-spec process object): {@code runc exec}.
     * A process that asks for stdio the guest cannot dial fails with the guest's refusal
     * (E_FAIL, "vsock Dial port (...) failed").
     */
    GuestProcess execute(JsonNode ociProcess, StdioPorts stdio);

    /** GetProperties ProcessList: the pid (in the guest) of every process in the container's cgroup. */
    List<Integer> processList();

    /** GetProperties Statistics: the container's figures. */
    GuestStatistics statistics();

    /**
     * ModifySettings Update ContainerConstraints ({@code runc update}): {@code linuxResources} is an
     * OCI {@code linux.resources} object (memory, cpu, ...).
     */
    void updateConstraints(JsonNode linuxResources);

    /** ShutdownGraceful: SIGTERM to the init process; {@link #exited()} completes when it is gone. */
    void shutdownGraceful();

    /** ShutdownForced: SIGKILL to the init process. */
    void shutdownForced();

    /**
     * Completes with the guest's exit notification, which the guest sends once the init process has
     * exited and a wait has given its code (the init's {@link GuestProcess#exitCode()} wait does);
     * fails with Unavailable when the connection is lost first. Dependent actions run on a pool thread.
     */
    CompletableFuture<ContainerNotification> exited();

    /**
     * DeleteContainerState: {@code runc delete}, then the guest removes the scratch and bundle
     * directories. Refused with FailedPrecondition, without reaching the guest, while the container
     * has not exited or while its CombinedLayers are still mounted: the guest would delete through
     * the mounted root file system (hcsshim's order is shutdown, wait, layers removed, state
     * deleted). A no-op when the guest does not offer it. A second delete → NotFound.
     */
    void deleteState();
}
