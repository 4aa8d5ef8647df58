package io.hatchway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the breakdown puts async-profiler's stacks into phases; nothing here is timed. */
class ProfileTest {
    private static final List<String> STACKS = List.of(
            // a Jolokia long-wait thread serving a bulk: registration wins over Jolokia, conmon's launch over JSON
            "[hatchway-jolokia-wait-1 tid=10];java/lang/Thread.run;io/hatchway/jolokia/JolokiaHandler.serve;"
                    + "org/jolokia/server/core/Foo.bar;io/hatchway/mbeans/TaskMBeans.register;"
                    + "com/sun/jmx/interceptor/DefaultMBeanServerInterceptor.registerMBean 3",
            "[hatchway-jolokia-wait-1 tid=10];java/lang/Thread.run;io/hatchway/jolokia/JolokiaHandler.serve;"
                    + "io/hatchway/hcs/runc/conmon/Conmon.launch;io/hatchway/hcs/oci/Json.parse;"
                    + "com/fasterxml/jackson/databind/ObjectMapper.readTree 2",
            "[hatchway-jolokia-wait-1 tid=10];java/lang/Thread.run;io/hatchway/jolokia/JolokiaHandler.serve;"
                    + "org/jolokia/json/JSONWriter.write 1",
            // the same thread idle between requests: no part of a request
            "[hatchway-jolokia-wait-1 tid=10];java/lang/Thread.run;java/util/concurrent/ThreadPoolExecutor.getTask;"
                    + "jdk/internal/misc/Unsafe.park 4",
            // a background thread deleting an exec's directories, and the JIT
            "[hatchway-background-1 tid=11];java/lang/Thread.run;io/hatchway/hcs/runc/conmon/MonitorDir.delete;"
                    + "java/nio/file/Files.deleteIfExists 5",
            "[C2 CompilerThread0 tid=12];Compile::Compile 6");

    @Test
    void everyCpuSampleGoesToTheFirstPhaseOneOfItsFramesNames() {
        Profile.Pass pass = Profile.classify(STACKS, 60, false);
        assertEquals(Map.of(
                "MBean registration per exec (register/unregister)", 3L,
                "conmon spawn (posix_spawn + sync pipe until runc exec reports)", 2L,
                "JSON (Jackson, Jolokia's JSON)", 1L,
                "other", 4L,
                "stale-file clean-up (deletes)", 5L,
                "JVM: JIT compilers", 6L), pass.byPhase());
    }

    @Test
    void wallCountsRequestThreadsServingARequestOverTheTicks() {
        Profile.Pass pass = Profile.classify(STACKS, 60, true);
        assertEquals(Map.of(
                "MBean registration per exec (register/unregister)", 3L,
                "conmon spawn (posix_spawn + sync pipe until runc exec reports)", 2L,
                "JSON (Jackson, Jolokia's JSON)", 1L), pass.byPhase());
        assertEquals(6.0, pass.msPerTick(), 1e-9, "the request thread was sampled 10 times in 60 ms");
    }
}
