package io.hatchway.agent;

import io.hatchway.agent.logging.LogSink;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's start and stop lines: one line with a {@code [hatchway]} prefix on the process's
 * standard error (file descriptor 2, where the JVM prints its own agent warnings; not
 * {@code System.err}, which a host such as WildFly redirects into its log as errors), so an
 * operator sees at once whether Hatchway serves, and the same in Hatchway's log.
 */
final class AgentLog {
    private static final Logger log = LoggerFactory.getLogger("io.hatchway.agent");
    /** Never closed: closing it would close the process's fd 2. */
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);

    private AgentLog() {
    }

    static void info(String message) {
        line("[hatchway] " + message);
        if (LogSink.isFile()) {
            log.info(message);
        }
    }

    /** One line on stderr; the cause's stack trace goes to Hatchway's log file only. */
    static void error(String message, Throwable cause) {
        line("[hatchway] ERROR " + message);
        if (LogSink.isFile()) {
            log.error(message, cause);
        }
    }

    /** One write of the whole line, so it is not interleaved with the host's output. */
    private static synchronized void line(String text) {
        try {
            STDERR.write((text.replace('\n', ' ') + System.lineSeparator()).getBytes(Charset.defaultCharset()));
        } catch (IOException e) { // no stderr: the line is in Hatchway's log
        }
    }
}
