package io.hatchway.itests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Apache Tomcat: {@code bin/catalina.sh run} with a {@code CATALINA_BASE} of its own per boot (its
 * {@code conf} and the {@code ROOT} page), JVM options in {@code CATALINA_OPTS} as RUNNING.txt says.
 * Its log is the console (JULI's {@code OneLineFormatter}).
 */
final class TomcatHost extends RealHost {
    TomcatHost() {
        super("tomcat");
    }

    @Override
    String displayName() {
        return "Tomcat " + version();
    }

    @Override
    Pattern startedLine() {
        return Pattern.compile("org\\.apache\\.catalina\\.startup\\.Catalina\\.start Server startup in");
    }

    @Override
    Pattern logLine() {
        return Pattern.compile("^\\d{2}-\\w{3}-\\d{4} [\\d:.]+ (?<level>[A-Z]+) \\[[^\\]]*\\] (?<id>\\S+)");
    }

    @Override
    Running start(Path dir, Jdk jdk, Mode mode, String agent) throws Exception {
        Path home = home();
        Path base = dir.resolve("base");
        copyTree(home.resolve("conf"), base.resolve("conf"));
        copyTree(home.resolve("webapps/ROOT"), base.resolve("webapps/ROOT"));
        for (String empty : new String[] {"logs", "temp", "work"}) {
            Files.createDirectories(base.resolve(empty));
        }
        int port = freePort();
        Path serverXml = base.resolve("conf/server.xml");
        replace(serverXml, "<Server port=\"8005\"", "<Server port=\"-1\""); // no shutdown port: stopped by SIGTERM
        replace(serverXml, "<Connector port=\"8080\" protocol=\"HTTP/1.1\"",
                "<Connector address=\"127.0.0.1\" port=\"" + port + "\" protocol=\"HTTP/1.1\"");
        Map<String, String> env = new HashMap<>();
        env.put("CATALINA_HOME", home.toString());
        env.put("CATALINA_BASE", base.toString());
        if (agent != null) {
            env.put("CATALINA_OPTS", agent);
        }
        HostBoot boot = new HostBoot(jdk, command("/bin/sh", home.resolve("bin/catalina.sh").toString(), "run"), env, dir);
        return new Running(this, boot, dir, "http://127.0.0.1:" + port + "/", null, Map.of());
    }
}
