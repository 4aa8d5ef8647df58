package io.hatchway.hcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskOptionsTest {
    /** The keys the runc backend reads. */
    private static final Set<String> RUNC_KEYS = Set.of("runtime");

    @Test
    void emptyMeansDefaults() {
        assertEquals(TaskOptions.DEFAULT, TaskOptions.parse("", RUNC_KEYS));
        assertEquals(TaskOptions.DEFAULT, TaskOptions.parse(null, RUNC_KEYS));
    }

    @Test
    void readsIsolationAndRuntime() {
        assertEquals(new TaskOptions(TaskOptions.Isolation.SANDBOX, Map.of("runtime", "crun")),
                TaskOptions.parse("{\"isolation\":\"sandbox\",\"runtime\":\"crun\"}", RUNC_KEYS));
    }

    @Test
    void readsHypervisor() {
        assertEquals(new TaskOptions(TaskOptions.Isolation.HYPERVISOR, Map.of()),
                TaskOptions.parse("{\"isolation\":\"hypervisor\"}", RUNC_KEYS));
    }

    /** SPEC.md: a backend refuses an isolation it does not offer with InvalidArgument, naming what it offers. */
    @Test
    void anIsolationABackendDoesNotOfferIsInvalidArgument() {
        TaskOptions hypervisor = TaskOptions.parse("{\"isolation\":\"hypervisor\"}", RUNC_KEYS);
        HatchwayException e = assertThrows(HatchwayException.class, () -> hypervisor.requireIsolation("runc",
                Set.of(TaskOptions.Isolation.NONE, TaskOptions.Isolation.SANDBOX)));
        assertEquals("InvalidArgument: isolation 'hypervisor': the runc backend offers only 'none' and 'sandbox'",
                e.getMessage());
        hypervisor.requireIsolation("windows", Set.of(TaskOptions.Isolation.NONE, TaskOptions.Isolation.HYPERVISOR));
        TaskOptions.DEFAULT.requireIsolation("process", Set.of(TaskOptions.Isolation.NONE));
    }

    @Test
    void refusesUnknownKeysAndValues() {
        for (String json : new String[] {"{\"isolaton\":\"sandbox\"}", "{\"isolation\":\"vm\"}", "{\"runtime\":3}", "[]", "{x"}) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> TaskOptions.parse(json, RUNC_KEYS));
            assertEquals(ErrorKind.InvalidArgument, e.kind(), json);
        }
        assertTrue(assertThrows(HatchwayException.class, () -> TaskOptions.parse("{\"isolaton\":\"x\"}", RUNC_KEYS))
                .getMessage().contains("unknown key 'isolaton'"));
    }

    /** A key is known or not by the backend's word; the message names every key the backend reads. */
    @Test
    void anUnknownKeyIsNamedWithTheKeysTheBackendKnows() {
        assertEquals("InvalidArgument: options: unknown key 'runtim' (known: isolation, runtime)",
                assertThrows(HatchwayException.class, () -> TaskOptions.parse("{\"runtim\":\"crun\"}", RUNC_KEYS))
                        .getMessage());
        assertEquals("InvalidArgument: options: unknown key 'runtime' (known: isolation)",
                assertThrows(HatchwayException.class, () -> TaskOptions.parse("{\"runtime\":\"crun\"}", Set.of()))
                        .getMessage());
    }
}
