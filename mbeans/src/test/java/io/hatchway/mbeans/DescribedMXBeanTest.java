package io.hatchway.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hatchway.hcs.ErrorKind;
import java.io.IOException;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever an MBean's implementation throws reaches a JMX client as a {@code java.*} exception
 * whose message starts with its kind and shows no Java: a contract failure as it is, anything
 * unexpected (a bug, a native library that does not load) as Unavailable in words.
 */
class DescribedMXBeanTest {
    /** What a test MBean does when called. */
    public interface ProbeMXBean {
        void fail(String how);
    }

    private static final class Probe implements ProbeMXBean {
        @Override
        public void fail(String how) {
            switch (how) {
                case "contract" -> throw ErrorKind.NotFound.error("exec: 'x' in task: 't' not found");
                case "bug" -> throw new NullPointerException();
                case "wrapped" -> throw new IllegalStateException(new IOException("disk on fire"));
                default -> throw new UnsatisfiedLinkError("libfoo.so: cannot open shared object file");
            }
        }
    }

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private ObjectName name;
    private ProbeMXBean probe;

    @BeforeEach
    void register() throws Exception {
        name = new ObjectName("hatchway:type=Probe");
        server.registerMBean(new DescribedMXBean<>(new Probe(), ProbeMXBean.class), name);
        probe = JMX.newMXBeanProxy(server, name, ProbeMXBean.class);
    }

    @AfterEach
    void unregister() throws Exception {
        server.unregisterMBean(name);
    }

    @Test
    void aContractFailureKeepsItsKindAndWords() {
        assertEquals("NotFound: exec: 'x' in task: 't' not found",
                Errors.assertKind(ErrorKind.NotFound, () -> probe.fail("contract")));
    }

    @Test
    void anUnexpectedFailureIsUnavailableInWords() {
        assertEquals("Unavailable: fail failed: an internal error (details in hatchway.log)",
                Errors.assertKind(ErrorKind.Unavailable, () -> probe.fail("bug")));
        assertEquals("Unavailable: fail failed: disk on fire (details in hatchway.log)",
                Errors.assertKind(ErrorKind.Unavailable, () -> probe.fail("wrapped")));
    }

    @Test
    void aLibraryThatDoesNotLoadIsUnavailableInWords() {
        assertEquals("Unavailable: fail failed: libfoo.so: cannot open shared object file (details in hatchway.log)",
                Errors.assertKind(ErrorKind.Unavailable, () -> probe.fail("native")));
    }
}
