package io.hatchway.hcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TaskOptionsTest {
    @Test
    void emptyMeansDefaults() {
        assertEquals(TaskOptions.DEFAULT, TaskOptions.parse(""));
        assertEquals(TaskOptions.DEFAULT, TaskOptions.parse(null));
    }

    @Test
    void readsIsolationAndRuntime() {
        assertEquals(new TaskOptions(true, "crun"), TaskOptions.parse("{\"isolation\":\"sandbox\",\"runtime\":\"crun\"}"));
    }

    @Test
    void refusesUnknownKeysAndValues() {
        for (String json : new String[] {"{\"isolaton\":\"sandbox\"}", "{\"isolation\":\"vm\"}", "{\"runtime\":3}", "[]", "{x"}) {
            HatchwayException e = assertThrows(HatchwayException.class, () -> TaskOptions.parse(json));
            assertEquals(ErrorKind.InvalidArgument, e.kind(), json);
        }
        assertTrue(assertThrows(HatchwayException.class, () -> TaskOptions.parse("{\"isolaton\":\"x\"}"))
                .getMessage().contains("unknown key 'isolaton'"));
    }
}
