package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.TaskClient;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh host JVM per test, with the agent on the process backend and its own temporary state
 * directory, reached over a real JMX connector. A child JVM is up and attached in about a second,
 * so tests share nothing — no task ids, no state directory, no event history.
 *
 * <p>After every test: no Hatchway MBean but the task service is left (every task the test made
 * was deleted), the host exits 0 once its stdin closes, the JVM is gone, and no process any task
 * reported is still running.
 */
abstract class HostJvmTest {
    static final String TASK_SERVICE = "hatchway:type=TaskService";

    @TempDir
    Path dir;
    ChildJvm jvm;
    TaskClient client;

    @BeforeEach
    void startHost() throws Exception {
        jvm = ChildJvm.startHost(dir.resolve("state"));
        client = new TaskClient(jvm.jmx());
    }

    @AfterEach
    void stopHost() throws Exception {
        if (jvm == null) { // it did not even start: startHost says why
            return;
        }
        try {
            if (client != null) {
                assertEquals(Set.of(TASK_SERVICE), client.hatchwayMBeans(), "no Task or Exec MBean left");
            }
            assertEquals(0, jvm.stop(), "the host exits 0 once its stdin closes");
            assertTrue(jvm.stdout().contains(HostMain.DONE), "the host's main ran to its end");
        } finally {
            jvm.close();
            TaskClient.assertNoProcessLeft();
        }
    }

    /** A bundle of its own for each task of a test. */
    Path bundleDir(String taskId) {
        return dir.resolve("bundles").resolve(taskId);
    }
}
