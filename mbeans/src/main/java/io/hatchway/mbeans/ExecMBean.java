package io.hatchway.mbeans;

import java.util.Objects;

/**
 * The MXBean face of an {@link Exec}: {@code hatchway:type=Exec,task=<taskId>,name=<execId>}. An
 * operation first checks that the exec's task is not deleted (NotFound then, as on the Task MBean);
 * attributes read the exec's last state and never wait. {@link DescribedMXBean} turns every failure
 * into the {@code java.*} exception a JMX client can read.
 */
final class ExecMBean implements ExecMXBean {
    private final Exec exec;

    ExecMBean(Exec exec) {
        this.exec = Objects.requireNonNull(exec);
    }

    @Override
    public int start() {
        exec.task().checkLive();
        return exec.start();
    }

    @Override
    public void kill(int signal) {
        exec.task().checkLive();
        exec.kill(signal);
    }

    @Override
    public ExitStatus waitFor(long timeoutMillis) {
        exec.task().checkLive();
        return exec.waitFor(Timeouts.callerTimeout(timeoutMillis));
    }

    @Override
    public void resizePty(int width, int height) {
        exec.task().checkLive();
        exec.resizePty(width, height);
    }

    @Override
    public void closeIO(boolean stdin) {
        exec.task().checkLive();
        exec.closeIO(stdin);
    }

    @Override
    public String getId() {
        return exec.getId();
    }

    @Override
    public String getTaskId() {
        return exec.getTaskId();
    }

    @Override
    public String getState() {
        return exec.getState();
    }

    @Override
    public int getPid() {
        return exec.getPid();
    }

    @Override
    public long getExitStatus() {
        return exec.getExitStatus();
    }

    @Override
    public String getExitedAt() {
        return exec.getExitedAt();
    }

    @Override
    public boolean isTerminal() {
        return exec.isTerminal();
    }

    @Override
    public String getStdout() {
        return exec.getStdout();
    }

    @Override
    public String getStderr() {
        return exec.getStderr();
    }

    @Override
    public String[] getStdoutLines() {
        return exec.getStdoutLines();
    }

    @Override
    public String[] getStderrLines() {
        return exec.getStderrLines();
    }
}
