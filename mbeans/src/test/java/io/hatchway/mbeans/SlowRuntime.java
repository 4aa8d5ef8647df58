package io.hatchway.mbeans;

import io.hatchway.hcs.ComputeBackend;
import io.hatchway.hcs.ComputeProcess;
import io.hatchway.hcs.ComputeSystem;
import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.TaskOptions;
import io.hatchway.hcs.oci.Bundle;
import io.hatchway.hcs.oci.ProcessSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A runtime that hangs: the real backend, except that {@code start}, {@code exec} and signals to a
 * process wait, while {@link #hold()} is on, until {@link #let()} (bounded by {@link
 * TaskFixture#WAIT}), as a wedged runc does. Everything that only reads (processes, figures) goes
 * straight to the real backend. {@link #entered} counts down each time a call starts to wait.
 */
final class SlowRuntime implements ComputeBackend {
    private final ComputeBackend real;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch entered = new CountDownLatch(1);

    SlowRuntime(ComputeBackend real) {
        this.real = real;
    }

    /** From now on, start, exec and signals wait until {@link #let()}. */
    void hold() {
        entered = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /** Lets every waiting and later call through. */
    void let() {
        gate.countDown();
    }

    /** Waits, bounded, until a call is held. */
    void awaitHeldCall() throws InterruptedException {
        if (!entered.await(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("no runtime call was held within " + TaskFixture.WAIT_MILLIS + " ms");
        }
    }

    private void slowly() {
        entered.countDown();
        try {
            gate.await(TaskFixture.WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public Set<String> optionKeys() {
        return real.optionKeys();
    }

    @Override
    public ComputeSystem create(String id, Bundle bundle, TaskOptions options, Stdio initStdio) {
        return new SlowSystem(real.create(id, bundle, options, initStdio));
    }

    @Override
    public void close() {
        real.close();
    }

    private final class SlowSystem implements ComputeSystem {
        private final ComputeSystem real;

        SlowSystem(ComputeSystem real) {
            this.real = real;
        }

        @Override
        public ComputeProcess start(Stdio stdio) {
            slowly();
            return new SlowProcess(real.start(stdio));
        }

        @Override
        public ComputeProcess exec(String execId, ProcessSpec spec, Stdio stdio) {
            slowly();
            return new SlowProcess(real.exec(execId, spec, stdio));
        }

        @Override
        public String id() {
            return real.id();
        }

        @Override
        public boolean isolated() {
            return real.isolated();
        }

        @Override
        public void checkSignal(int signal) {
            real.checkSignal(signal);
        }

        @Override
        public void checkProcess(ProcessSpec spec) {
            real.checkProcess(spec);
        }

        @Override
        public List<ProcessDetails> processes() {
            return real.processes();
        }

        @Override
        public Statistics statistics() {
            return real.statistics();
        }

        @Override
        public Optional<Statistics> hostStatistics() {
            return real.hostStatistics();
        }

        @Override
        public int execInHost(ProcessSpec spec, Duration timeout) {
            return real.execInHost(spec, timeout);
        }

        @Override
        public String dumpGuestStacks(Duration timeout) {
            return real.dumpGuestStacks(timeout);
        }

        @Override
        public void share(String hostPath, String guestPath, boolean readOnly) {
            real.share(hostPath, guestPath, readOnly);
        }

        @Override
        public void shutdown() {
            real.shutdown();
        }

        @Override
        public void terminate() {
            real.terminate();
        }

        @Override
        public CompletionStage<Void> exited() {
            return real.exited();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    private final class SlowProcess implements ComputeProcess {
        private final ComputeProcess real;

        SlowProcess(ComputeProcess real) {
            this.real = real;
        }

        @Override
        public int pid() {
            return real.pid();
        }

        @Override
        public boolean signal(int signal) {
            slowly();
            return real.signal(signal);
        }

        @Override
        public CompletionStage<Long> exited() {
            return real.exited();
        }

        @Override
        public void kill() {
            real.kill();
        }

        @Override
        public void release() {
            real.release();
        }

        @Override
        public void closeStdin() {
            real.closeStdin();
        }

        @Override
        public void resizeConsole(int width, int height) {
            real.resizeConsole(width, height);
        }
    }
}
