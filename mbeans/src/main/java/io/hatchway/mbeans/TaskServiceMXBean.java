package io.hatchway.mbeans;

import java.util.List;

/**
 * The task service, {@code hatchway:type=TaskService}: creates tasks and lists them. It also emits
 * every task's events (notification types {@code hatchway.task.<event>}), so a client that
 * subscribes here before {@code createTask} sees a task's whole life, {@code create} included.
 *
 * <p>Every failure is a {@code java.*} exception whose message starts with its CONTRACT.md kind.
 * Thread-safe.
 */
@Description("Hatchway task service: creates container tasks and emits every task's events")
public interface TaskServiceMXBean {

    /**
     * Creates task {@code id} from an OCI bundle. Its init exec is {@code created}, not started;
     * the Task MBean and the init Exec MBean are registered; a {@code create} event is sent.
     *
     * @return 0: the init exec has no process yet
     * @throws IllegalArgumentException InvalidArgument: an id breaking the identifier rule, a
     *     missing or unreadable bundle, a config.json that is not an OCI spec, bad options
     * @throws IllegalStateException AlreadyExists: a task with that id exists
     * @throws UnsupportedOperationException NotImplemented: an option this backend lacks
     */
    @Description("Creates a task from an OCI bundle; its init exec is created, not started. Returns 0")
    int createTask(
            @Description("Task id: letters and digits, single '.', '_' or '-' between them, at most 76 characters") String id,
            @Description("Absolute path of the bundle directory holding config.json") String bundle,
            @Description("JSON options, may be empty: {\"isolation\":\"sandbox\"} or {\"runtime\":\"crun\"}") String optionsJson);

    @Description("Ids of the live tasks")
    List<String> getTaskIds();

    @Description("The compute backend tasks run on: process, runc, crun or windows")
    String getBackend();

    @Description("Hatchway version")
    String getVersion();

    @Description("Jolokia URL serving these MBeans over HTTP; empty when Jolokia is off")
    String getJolokiaUrl();
}
