package io.hatchway.hcs.windows.lcow;

import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.gcs.GuestProcess;
import io.hatchway.hcs.gcs.MappedDirectory;
import io.hatchway.hcs.gcs.StdioPorts;
import io.hatchway.hcs.linux.LinuxTarget;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.ArgonDocuments;
import io.hatchway.hcs.windows.schema.VirtualMachine.Plan9Share;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a task does in its utility VM outside its container, through the guest agent: hcsshim's
 * {@code uvm.ExecInUVM} (a process in the null container), {@code DumpStacks} and {@code Share}
 * (a Plan9 share: the host half on the VM through HCS, then the guest's MappedDirectory). Thread-safe.
 */
final class LcowHost {
    private static final Logger log = LoggerFactory.getLogger(LcowHost.class);
    /** hcsshim's {@code vmutils.Plan9Port}: the vsock port of the VM's Plan9 server. */
    static final int PLAN9_PORT = 564;

    private final String taskId;
    private final UtilityVm uvm;
    private final ComputeThreads threads;
    private final AtomicInteger shares = new AtomicInteger();

    LcowHost(String taskId, UtilityVm uvm, ComputeThreads threads) {
        this.taskId = taskId;
        this.uvm = uvm;
        this.threads = threads;
    }

    /**
     * Runs {@code spec} in the guest, outside any container, without stdio, and waits at most
     * {@code timeout} for its exit code (-1 when unknown). The guest cannot signal such a process
     * (GCS v0.12 answers HCS_E_SYSTEM_NOT_FOUND), so one that outlives the timeout is ended with
     * {@code kill -9} run the same way.
     *
     * @throws HatchwayException DeadlineExceeded when it ran longer than {@code timeout}
     */
    int exec(ProcessSpec spec, Duration timeout) {
        GuestProcess process = uvm.guest().execInHost(spec.args(), spec.workingDirectory().orElse("/"),
                ArgonDocuments.environment(spec.env()), StdioPorts.NONE);
        try {
            long code = process.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return code == io.hatchway.hcs.ComputeProcess.UNKNOWN_EXIT_CODE ? -1 : (int) code;
        } catch (TimeoutException e) {
            killInHost(process.pid());
            throw ErrorKind.DeadlineExceeded.error("execInHost in task '%s': '%s' still ran after %d ms; it was killed",
                    taskId, spec.args().get(0), timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killInHost(process.pid());
            throw ErrorKind.Unavailable.error("execInHost in task '%s': interrupted", taskId);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HatchwayException h ? h
                    : ErrorKind.Unavailable.error("execInHost in task '%s': %s", taskId, e.getCause().getMessage());
        }
    }

    private void killInHost(int pid) {
        try {
            uvm.guest().execInHost(List.of("/bin/kill", "-9", Integer.toString(pid)), "/",
                    ArgonDocuments.environment(List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin")), StdioPorts.NONE)
                    .waitForExit(Duration.ofSeconds(5));
        } catch (HatchwayException e) {
            log.warn("task '{}': ending pid {} in its utility VM: {}", taskId, pid, e.getMessage());
        }
    }

    /**
     * DumpStacks: the guest agent's own stacks, bounded by {@code timeout}; "" when the guest does not
     * offer them.
     *
     * @throws HatchwayException DeadlineExceeded when they do not come within {@code timeout}
     */
    String dumpStacks(Duration timeout) {
        if (!uvm.capabilities().dumpStacksSupported()) {
            return "";
        }
        CompletableFuture<String> stacks = CompletableFuture.supplyAsync(uvm.guest()::dumpStacks, threads.background());
        try {
            return stacks.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ErrorKind.DeadlineExceeded.error("task '%s': the guest's stacks did not come within %d ms", taskId,
                    timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorKind.Unavailable.error("task '%s': interrupted while reading the guest's stacks", taskId);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HatchwayException h ? h
                    : ErrorKind.Unavailable.error("task '%s': the guest's stacks: %s", taskId, e.getCause().getMessage());
        }
    }

    /**
     * hcsshim's {@code AddPlan9}: the VM serves {@code hostPath} as a Plan9 share (HCS modify; a
     * file through its parent directory restricted to it), then the guest mounts it at
     * {@code guestPath} (MappedDirectory); if the guest refuses, the host half is removed again and
     * the guest's refusal is the answer.
     *
     * @throws HatchwayException InvalidArgument for a path that is not absolute or does not exist
     */
    void share(String hostPath, String guestPath, boolean readOnly) {
        ComputeSystem.checkSharePaths(hostPath, guestPath, LinuxTarget::isAbsolute);
        Path path = Path.of(hostPath);
        if (!Files.exists(path)) {
            throw ErrorKind.InvalidArgument.error("hostPath '%s': no such file or directory", hostPath);
        }
        boolean file = !Files.isDirectory(path);
        String name = "share" + shares.incrementAndGet();
        int flags = Plan9Share.LINUX_METADATA | Plan9Share.CASE_SENSITIVE | (readOnly ? Plan9Share.READ_ONLY : 0)
                | (file ? Plan9Share.RESTRICT_FILE_ACCESS : 0);
        Plan9Share share = new Plan9Share(name, name, file ? path.getParent().toString() : hostPath, PLAN9_PORT, flags,
                file ? List.of(path.getFileName().toString()) : null);
        uvm.vm().addPlan9Share(share);
        try {
            uvm.guest().addMappedDirectory(new MappedDirectory(guestPath, PLAN9_PORT, name, readOnly));
        } catch (RuntimeException e) {
            try {
                uvm.vm().removePlan9Share(share);
            } catch (HatchwayException rollback) {
                log.warn("task '{}': removing the share of '{}' again: {}", taskId, hostPath, rollback.getMessage());
            }
            throw e;
        }
    }
}
