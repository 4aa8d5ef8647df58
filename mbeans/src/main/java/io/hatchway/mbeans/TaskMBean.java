package io.hatchway.mbeans;

import io.hatchway.hcs.ProcessDetails;
import io.hatchway.hcs.Statistics;
import java.util.List;
import java.util.Objects;

/**
 * The MXBean face of a {@link Task}: {@code hatchway:type=Task,name=<taskId>}. Each call goes to
 * the task as it is; the task answers NotFound once deleted, and {@link DescribedMXBean} turns every
 * failure into the {@code java.*} exception a JMX client can read.
 */
final class TaskMBean implements TaskMXBean {
    private final Task task;

    TaskMBean(Task task) {
        this.task = Objects.requireNonNull(task);
    }

    @Override
    public void createExec(String execId, String processJson) {
        task.createExec(execId, processJson);
    }

    @Override
    public int start(String execId) {
        return task.start(execId);
    }

    @Override
    public ExecStatus state(String execId) {
        return task.state(execId);
    }

    @Override
    public void killExec(String execId, int signal, boolean all) {
        task.killExec(execId, signal, all);
    }

    @Override
    public DeleteResult deleteExec(String execId) {
        return task.deleteExec(execId);
    }

    @Override
    public List<ProcessDetails> pids() {
        return task.pids();
    }

    @Override
    public ExitStatus waitExec(String execId, long timeoutMillis) {
        return task.waitExec(execId, timeoutMillis);
    }

    @Override
    public TaskStatistics stats() {
        return task.stats();
    }

    @Override
    public int execInHost(String processJson, long timeoutMillis) {
        return task.execInHost(processJson, timeoutMillis);
    }

    @Override
    public String dumpGuestStacks() {
        return task.dumpGuestStacks();
    }

    @Override
    public void share(String hostPath, String guestPath, boolean readOnly) {
        task.share(hostPath, guestPath, readOnly);
    }

    @Override
    public void resizePty(String execId, int width, int height) {
        task.resizePty(execId, width, height);
    }

    @Override
    public void closeIO(String execId, boolean stdin) {
        task.closeIO(execId, stdin);
    }

    @Override
    public String getId() {
        return task.getId();
    }

    @Override
    public String getBundle() {
        return task.getBundle();
    }

    @Override
    public boolean isIsolated() {
        return task.isIsolated();
    }

    @Override
    public int getPid() {
        return task.getPid();
    }

    @Override
    public String getStatus() {
        return task.getStatus();
    }

    @Override
    public List<String> getExecIds() {
        return task.getExecIds();
    }

    @Override
    public long getCpuTime100ns() { // a chart plots what is not there as 0
        return task.liveFigures().map(Statistics::getCpuTotal100ns).orElse(0L);
    }

    @Override
    public long getMemoryBytes() {
        return task.liveFigures().map(Statistics::getMemoryUsageBytes).orElse(0L);
    }

    @Override
    public long getProcessCount() {
        return task.liveFigures().map(Statistics::getPidsCurrent).orElse(0L);
    }
}
