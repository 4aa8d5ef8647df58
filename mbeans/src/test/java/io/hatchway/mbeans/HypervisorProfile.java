package io.hatchway.mbeans;

import io.hatchway.hcs.gcs.GuestAgentFixture;
import io.hatchway.testsupport.BusyboxBundle;
import io.hatchway.testsupport.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * What {@link Backend#WINDOWS_HYPERVISOR} needs of its own: the stand-in (as {@link WindowsProfile}),
 * the real GCS and its jail ({@link GuestAgentFixture}), busybox bundles (root and runc, as the runc
 * profile), and the check that no utility VM of a test's tasks ({@code <task>@vm}) and nothing its
 * GCS ran is left.
 */
final class HypervisorProfile {
    /** What the stand-in puts in the environment of a VM's jail, so of its GCS and what that runs. */
    private static final String GUEST_MARKER = "HATCHWAY_UVM_GUEST=1";

    private HypervisorProfile() {
    }

    static void assumeUsable() {
        WindowsProfile.assumeUsable();
        String reason = GuestAgentFixture.unusableReason();
        Assumptions.assumeTrue(reason == null, () -> "the GCS cannot run here: " + reason);
        BusyboxBundle.assumeContainersWork();
    }

    /** The task's container and its VM gone from the stand-in, the VM's jail and everything under it ended. */
    static Optional<Throwable> leftovers(Set<String> taskIds) {
        Set<String> systems = taskIds.stream().flatMap(id -> Set.of(id, id + "@vm").stream()).collect(Collectors.toSet());
        Optional<Throwable> left = WindowsProfile.leftovers(systems);
        if (left.isPresent()) {
            return left;
        }
        try {
            Leftovers.awaitNoProcess("processes of the utility VMs' guests", Duration.ofSeconds(45),
                    () -> Leftovers.processesWithEnv(GUEST_MARKER));
            if (Files.exists(Path.of("/run/gcs"))) {
                return Optional.of(new AssertionError("the GCS's state on the host: /run/gcs"));
            }
            return Optional.empty();
        } catch (RuntimeException | AssertionError e) {
            return Optional.of(e);
        }
    }

    static void assertNothingLeftOfTheSuite() {
        WindowsProfile.assertNothingLeftOfTheSuite();
        Leftovers.awaitNoProcess("processes of the utility VMs' guests", Duration.ofSeconds(45),
                () -> Leftovers.processesWithEnv(GUEST_MARKER));
    }
}
