package io.hatchway.hcs.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
    @TempDir
    Path dir;

    private HatchwayException invalid(String path) {
        HatchwayException e = assertThrows(HatchwayException.class, () -> Bundle.load(path));
        assertEquals(ErrorKind.InvalidArgument, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("InvalidArgument: "), e.getMessage());
        return e;
    }

    @Test
    void readsTheProcessOfAnOciSpec() throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"ociVersion":"1.0.2","process":{"args":["/bin/echo","hi"],"env":["A=1"],"cwd":"/tmp"},
                 "root":{"path":"rootfs"},"linux":{"namespaces":[]}}""");
        Bundle bundle = Bundle.load(dir.toString());
        assertEquals(List.of("/bin/echo", "hi"), bundle.process().args());
        assertEquals(List.of("A=1"), bundle.process().env());
        assertEquals("/tmp", bundle.process().cwd());
        assertTrue(bundle.config().has("linux"), "the whole spec is kept for a runtime");
    }

    @Test
    void refusesMissingRelativeAndEmptyBundles() {
        assertTrue(invalid(dir.resolve("nope").toString()).getMessage().contains("no such directory"));
        assertTrue(invalid("relative/bundle").getMessage().contains("not an absolute path"));
        invalid("");
        assertTrue(invalid(dir.toString()).getMessage().contains("config.json"));
    }

    @Test
    void refusesConfigThatIsNotJsonOrNotAnOciSpec() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{not json");
        assertTrue(invalid(dir.toString()).getMessage().contains("not JSON"));
        Files.writeString(dir.resolve("config.json"), "{\"process\":{\"args\":[\"/bin/true\"]}}");
        assertTrue(invalid(dir.toString()).getMessage().contains("not an OCI runtime spec"));
        Files.writeString(dir.resolve("config.json"), "{\"ociVersion\":\"1.0.2\"}");
        assertTrue(invalid(dir.toString()).getMessage().contains("no process"));
        Files.writeString(dir.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":\"/bin/true\"}}");
        assertTrue(invalid(dir.toString()).getMessage().contains("args"));
    }

    @Test
    void refusesAnUnreadableConfig() throws Exception {
        Files.createDirectory(dir.resolve("config.json")); // a directory cannot be read as a file, even by root
        assertTrue(invalid(dir.toString()).getMessage().contains("cannot read config.json"));
    }
}
