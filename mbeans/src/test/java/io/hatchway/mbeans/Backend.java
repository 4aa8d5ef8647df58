package io.hatchway.mbeans;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hatchway.hcs.Backends;
import io.hatchway.hcs.ComputeBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A backend's profile for the contract suite: how to open it, how to write a bundle it can run,
 * what it must not leave behind, and the few places where CONTRACT.md leaves the platform room to
 * differ. The suite asks the profile, never which backend it runs on, so a new backend is one more
 * constant here and one more {@code On<Backend>Test} of nested classes naming it (one per contract
 * class, so that a report names the backend).
 */
enum Backend {
    /** Host processes: a bundle is a {@code config.json} naming the host's binaries. */
    PROCESS("process", Facts.HOST_PROCESSES) {
        @Override
        void assumeUsable() {
        }

        @Override
        Path writeBundle(Path dir, ObjectNode process) {
            return Bundles.writeConfig(dir, Bundles.config(process.toString()));
        }

        @Override
        Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds) {
            return Optional.empty(); // processes, threads and MBeans: TaskFixture checks those on every backend
        }

        @Override
        void assertNothingLeftOfTheSuite() {
        }
    },
    /** runc containers under conmon: a bundle holds a root file system of the host's static busybox. */
    RUNC("runc", Facts.CONTAINERS) {
        @Override
        void assumeUsable() {
            RuncProfile.assumeUsable();
        }

        @Override
        Path writeBundle(Path dir, ObjectNode process) {
            return RuncProfile.writeBundle(dir, process);
        }

        @Override
        Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds) {
            return RuncProfile.leftovers(stateDir, taskIds);
        }

        @Override
        void assertNothingLeftOfTheSuite() throws IOException {
            RuncProfile.assertNothingLeftOfTheSuite();
        }
    },
    /**
     * Process-isolated Windows containers through the {@code computecore.dll} binding, here against
     * its stand-in ({@code libcomputecore.so}, built by hcs's tests), whose containers are sets of
     * host processes: a bundle names the host's binaries and has {@code windows.layerFolders}.
     */
    WINDOWS("windows", Facts.WINDOWS_STAND_IN) {
        @Override
        void assumeUsable() {
            WindowsProfile.assumeUsable();
        }

        @Override
        Path writeBundle(Path dir, ObjectNode process) {
            return WindowsProfile.writeBundle(dir, process);
        }

        @Override
        Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds) {
            return WindowsProfile.leftovers(taskIds);
        }

        @Override
        void assertNothingLeftOfTheSuite() {
            WindowsProfile.assertNothingLeftOfTheSuite();
        }
    },
    /**
     * Hypervisor-isolated tasks on the windows backend ({@code isolation: hypervisor}): each a
     * Linux container in a utility VM of its own, here the stand-in's VM, which runs hcsshim's real
     * Linux GCS in gcs-jail; a bundle is a busybox one, as runc's.
     */
    WINDOWS_HYPERVISOR("windows", Facts.UTILITY_VM) {
        @Override
        void assumeUsable() {
            HypervisorProfile.assumeUsable();
        }

        @Override
        Path writeBundle(Path dir, ObjectNode process) {
            return RuncProfile.writeBundle(dir, process);
        }

        @Override
        Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds) {
            return HypervisorProfile.leftovers(taskIds);
        }

        @Override
        void assertNothingLeftOfTheSuite() {
            HypervisorProfile.assertNothingLeftOfTheSuite();
        }

        @Override
        String taskOptions() {
            return "{\"isolation\":\"hypervisor\"}";
        }

        @Override
        boolean isolated() {
            return true;
        }
    };

    /**
     * Where a backend legitimately differs, and what a test can afford on it.
     *
     * @param initIsPidOne whether the init exec is pid 1 of a pid namespace of its own (a container's
     *     init). The kernel gives such a process no signal it has no handler for, except SIGKILL sent
     *     from outside the namespace: a plain {@code sleep} as init ignores SIGTERM. Its death takes
     *     every other process of the namespace with it.
     * @param createResolvesBinary whether createTask already resolves the init exec's binary: runc
     *     looks it up when it creates the container (its init process then waits to exec it at
     *     start), so a missing or unusable binary fails createTask, where the process backend fails
     *     start.
     * @param recoversTasks whether an agent started again on the same state directory finds the tasks
     *     of the one before (runc's containers outlive the agent; the process backend ends its tasks
     *     instead).
     * @param capsKeptOutput whether the backend writes a kept output within its cap at every moment
     *     ({@link io.hatchway.hcs.Stdio#stdoutCap}); the windows backend writes it as it comes, and the
     *     once-a-second check ({@link OutputCaps}) bounds it.
     * @param imageName the image name {@code pids()} reports for every process of a task, empty when it
     *     is the command's own (host binaries); {@code busybox} in a busybox root file system, whose
     *     commands are all links to that one executable.
     * @param reuseRounds rounds of the id-reuse races: a container costs a hundred times what a host
     *     process does.
     * @param stopRounds rounds of the sampling-while-stopping race, for the same reason.
     * @param signals the signals killExec takes (CONTRACT.md, Signals): 1–31 on Linux; on Windows
     *     0, 1, 2, 5 (Ctrl events), 6 and 15 (CtrlShutdown) and 9 (terminate).
     * @param userSignal the signal a test sends where it must tell the exec it ends from one the
     *     teardown ended (the teardown sends SIGTERM, then SIGKILL).
     * @param terminals whether the backend gives a process a terminal ({@code terminal: true}).
     * @param noStdio why a process's stdio cannot reach it here (empty when it can): a test that
     *     feeds a process input or reads its output skips, saying this.
     * @param guestProcesses why the host cannot look at a task's processes here (empty when it can):
     *     their pids are a guest's, and the guest names pids only; a test that looks them up on the
     *     host or reads their details skips, saying this.
     */
    record Facts(boolean initIsPidOne, boolean createResolvesBinary, boolean recoversTasks,
            boolean capsKeptOutput, Optional<String> imageName, int reuseRounds, int stopRounds,
            Set<Integer> signals, UserSignal userSignal, boolean terminals, Optional<String> noStdio,
            Optional<String> guestProcesses) {
        private static final Set<Integer> LINUX_SIGNALS = IntStream.rangeClosed(1, 31).boxed().collect(Collectors.toSet());
        private static final UserSignal SIGUSR1 = new UserSignal(TaskFixture.SIGUSR1, "USR1", 128 + TaskFixture.SIGUSR1);
        static final Facts HOST_PROCESSES = new Facts(false, false, false, true, Optional.empty(), 200, 30,
                LINUX_SIGNALS, SIGUSR1, true, Optional.empty(), Optional.empty());
        static final Facts CONTAINERS = new Facts(true, true, true, true, Optional.of("busybox"), 15, 5,
                LINUX_SIGNALS, SIGUSR1, true, Optional.empty(), Optional.empty());
        /**
         * HCS creates a process at start; a stopped agent's containers end with it (HCS terminates a
         * container when its last handle closes). The stand-in runs a Ctrl event as a Linux signal to
         * the process's group: CtrlClose as SIGHUP, so a process it ends reports 128+1.
         */
        static final Facts WINDOWS_STAND_IN = new Facts(false, false, false, false, Optional.empty(), 50, 10,
                Set.of(0, 1, 2, 5, 6, 9, 15), new UserSignal(2, "HUP", 128 + 1), true, Optional.empty(), Optional.empty());
        /**
         * A runc container the guest agent makes (its init pid 1, its binary resolved at create), in
         * a VM that ends with the agent; exits come from the guest's WaitForProcess, not from files.
         * The guest's ProcessList names pids only. Stdio: the GCS dials the host over vsock for each
         * stream, which the jail denies (and the host side of that relay is not built).
         */
        static final Facts UTILITY_VM = new Facts(true, true, false, false, Optional.of(""), 5, 3, LINUX_SIGNALS,
                SIGUSR1, true, Optional.of("a process in a utility VM gets its stdio over vsock, denied to the GCS here"
                        + " (and not relayed by this build)"),
                Optional.of("a task's processes are the utility VM's: their pids are the guest's, and its ProcessList"
                        + " names pids only"));
    }

    /**
     * A signal a process can trap and that ends one that does not.
     *
     * @param number as killExec takes it
     * @param trapName what {@code sh}'s {@code trap} calls what the process receives
     * @param exitStatus the exit status of a process it ends
     */
    record UserSignal(int number, String trapName, long exitStatus) {
    }

    final String name;
    final Facts facts;

    Backend(String name, Facts facts) {
        this.name = name;
        this.facts = facts;
    }

    /** Skips the calling test, saying why, unless this backend can run here (runc: root, runc, conmon, busybox). */
    abstract void assumeUsable();

    /** The backend, keeping its state (if any) under {@code stateDir}. */
    ComputeBackend open(Path stateDir) {
        return Backends.open(name, stateDir);
    }

    /**
     * Writes a bundle into {@code dir} whose init process is {@code process}, an OCI process object
     * whose {@code /bin} commands every backend has: the host's, or busybox applets in the
     * container. On runc the rest of the spec is {@code runc spec}'s (namespaces, mounts, user,
     * capabilities), so the container is what a user of runc gets.
     *
     * @return the absolute bundle directory
     */
    abstract Path writeBundle(Path dir, ObjectNode process);

    /**
     * What this backend left of tasks {@code taskIds} of a closed service whose state was in
     * {@code stateDir}, beyond what every backend is checked for; what is found is removed then, so
     * one test's leak does not fail the next.
     */
    abstract Optional<Throwable> leftovers(Path stateDir, Set<String> taskIds);

    /** After a backend's suite: nothing of any of its tests is left, looked at once more. */
    abstract void assertNothingLeftOfTheSuite() throws IOException;

    /** See {@link Facts#initIsPidOne}. */
    boolean initIsPidOne() {
        return facts.initIsPidOne();
    }

    /** See {@link Facts#createResolvesBinary}. */
    boolean createResolvesBinary() {
        return facts.createResolvesBinary();
    }

    /** Skips the calling test, saying why, unless the host can look at a task's processes ({@link Facts#guestProcesses}). */
    void assumeHostSeesProcesses() {
        org.junit.jupiter.api.Assumptions.assumeTrue(facts.guestProcesses().isEmpty(),
                () -> name() + ": " + facts.guestProcesses().orElse(""));
    }

    /** Whether this profile's tasks run in a host of their own (CONTRACT.md: isolated). */
    boolean isolated() {
        return false;
    }

    /** The {@code optionsJson} of createTask for this profile's tasks. */
    String taskOptions() {
        return "";
    }

    /** Skips the calling test, saying why, unless a process's stdio reaches it on this backend ({@link Facts#noStdio}). */
    void assumeStdio() {
        org.junit.jupiter.api.Assumptions.assumeTrue(facts.noStdio().isEmpty(),
                () -> name() + ": " + facts.noStdio().orElse(""));
    }

    /** See {@link Facts#terminals}. */
    boolean terminals() {
        return facts.terminals();
    }

    /**
     * The exit status of a process that signal {@code signal} (as killExec takes it) ends: 128+N for
     * a Linux signal N; for the user signal, what it becomes on this backend.
     */
    long exitStatusOf(int signal) {
        return signal == facts.userSignal().number() ? facts.userSignal().exitStatus() : 128 + signal;
    }

    /** See {@link Facts#userSignal}. */
    UserSignal userSignal() {
        return facts.userSignal();
    }

    /** See {@link Facts#recoversTasks}. */
    boolean recoversTasks() {
        return facts.recoversTasks();
    }

    /** The image name {@code pids()} reports for a process running {@code /bin/<command>}; see {@link Facts#imageName}. */
    String imageName(String command) {
        return facts.imageName().orElse(command);
    }

    @Override
    public String toString() {
        return name;
    }
}
