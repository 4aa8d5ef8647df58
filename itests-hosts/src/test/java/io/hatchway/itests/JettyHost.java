package io.hatchway.itests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Eclipse Jetty: a {@code jetty.base} of its own per boot made with {@code start.jar --add-modules=http},
 * run as {@code java [-javaagent:...] -jar $JETTY_HOME/start.jar} (how Jetty's docs add JVM options
 * without {@code --exec}). Its log is the console ({@code jetty-slf4j-impl} on stderr).
 */
final class JettyHost extends RealHost {
    JettyHost() {
        super("jetty");
    }

    @Override
    String displayName() {
        return "Jetty " + version();
    }

    @Override
    Pattern startedLine() {
        return Pattern.compile(":oejs\\.Server:[^:]*: Started oejs\\.Server@");
    }

    @Override
    Pattern logLine() {
        return Pattern.compile("^\\d{4}-\\d{2}-\\d{2} [\\d:.]+:(?<level>[A-Z]+) *:(?<id>[^:]+):");
    }

    @Override
    Running start(Path dir, Jdk jdk, Mode mode, String agent) throws Exception {
        Path startJar = home().resolve("start.jar");
        Path base = Files.createDirectories(dir.resolve("base"));
        runToEnd(jdk, base, List.of(jdk.java().toString(), "-jar", startJar.toString(), "--add-modules=http"));
        int port = freePort();
        List<String> command = command(jdk.java().toString());
        if (agent != null) {
            command.add(agent);
        }
        command.addAll(List.of("-jar", startJar.toString(), "jetty.http.host=127.0.0.1", "jetty.http.port=" + port));
        HostBoot boot = new HostBoot(jdk, command, Map.of(), base);
        return new Running(this, boot, dir, "http://127.0.0.1:" + port + "/", null, Map.of());
    }
}
