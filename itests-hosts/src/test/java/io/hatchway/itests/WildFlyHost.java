package io.hatchway.itests;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * WildFly: {@code bin/standalone.sh} with a {@code JBOSS_BASE_DIR} of its own per boot and a port
 * offset whose ports are free. The agent goes in {@code JAVA_OPTS} (standalone.conf's defaults plus
 * {@code -javaagent}, as a user setting it in the environment writes it) or in {@code MODULE_OPTS},
 * WildFly's documented way for agents. Its log is {@code standalone/log/server.log}.
 */
final class WildFlyHost extends RealHost {
    /** standalone.conf's JAVA_OPTS: setting JAVA_OPTS in the environment replaces them, so a user repeats them. */
    private static final String CONF_JAVA_OPTS = "-Xms64m -Xmx512m -Djava.net.preferIPv4Stack=true"
            + " -Djboss.modules.system.pkgs=org.jboss.byteman -Djava.awt.headless=true";
    private static final int[] PORTS = {8080, 8443, 9990, 9993};

    WildFlyHost() {
        super("wildfly");
    }

    @Override
    String displayName() {
        return "WildFly " + version();
    }

    @Override
    Pattern startedLine() {
        return Pattern.compile("WFLYSRV002[56]: .* started");
    }

    @Override
    Pattern logLine() {
        return Pattern.compile("^\\d{4}-\\d{2}-\\d{2} [\\d:,]+ (?<level>[A-Z]+) +\\[(?<id>[^\\]]+)\\] \\([^)]*\\) (?<code>[A-Z]+\\d+:)?");
    }

    @Override
    Running start(Path dir, Jdk jdk, Mode mode, String agent) throws Exception {
        Path home = home();
        Path base = dir.resolve("standalone");
        copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
        copyTree(home.resolve("standalone/deployments"), base.resolve("deployments"));
        int offset = freeOffset();
        Map<String, String> env = new HashMap<>();
        env.put("JBOSS_HOME", home.toString());
        env.put("JBOSS_BASE_DIR", base.toString());
        if (mode == Mode.JAVAAGENT) {
            env.put("JAVA_OPTS", CONF_JAVA_OPTS + " " + agent);
        } else if (mode == Mode.MODULE_OPTS) {
            env.put("MODULE_OPTS", agent);
        }
        HostBoot boot = new HostBoot(jdk, command("/bin/sh", home.resolve("bin/standalone.sh").toString(),
                "-Djboss.socket.binding.port-offset=" + offset, "-Djboss.bind.address=127.0.0.1",
                "-Djboss.bind.address.management=127.0.0.1"), env, dir);
        return new Running(this, boot, dir, "http://127.0.0.1:" + (8080 + offset) + "/", base.resolve("log/server.log"), Map.of());
    }

    /** An offset that moves all of WildFly's default ports onto free ones. */
    private static int freeOffset() {
        while (true) {
            int offset = ThreadLocalRandom.current().nextInt(100, 20_000);
            boolean allFree = true;
            for (int port : PORTS) {
                allFree &= free(port + offset);
            }
            if (allFree) {
                return offset;
            }
        }
    }
}
