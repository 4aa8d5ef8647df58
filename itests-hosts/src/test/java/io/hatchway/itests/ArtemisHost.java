package io.hatchway.itests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ActiveMQ Artemis: an instance of its own per boot made by {@code bin/artemis create} (login
 * required, fixed users, free ports), run as {@code <instance>/bin/artemis run}, the agent in
 * {@code JAVA_ARGS} of {@code etc/artemis.profile}. Besides the admin ({@code amq} role) the instance
 * has a read-only user {@value #VIEWER} of role {@code view}: management.xml lets {@code view} call
 * {@code list*}, {@code get*} and {@code is*} and nothing else, and the console lets it in. Artemis's
 * JMX connector is switched on (management.xml). Its log is {@code log/artemis.log}.
 */
final class ArtemisHost extends RealHost {
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "admin-pw";
    static final String VIEWER = "viewer";
    static final String VIEWER_PASSWORD = "viewer-pw";
    /** The broker's name: its MBean is {@code org.apache.activemq.artemis:broker="hw"}. */
    static final String BROKER = "hw";

    ArtemisHost() {
        super("artemis");
    }

    @Override
    String displayName() {
        return "Artemis " + version();
    }

    @Override
    Pattern startedLine() {
        return Pattern.compile("AMQ241004: Artemis Console available");
    }

    @Override
    Pattern logLine() {
        return Pattern.compile("^\\d{4}-\\d{2}-\\d{2} [\\d:,]+ (?<level>[A-Z]+) +\\[(?<id>[^\\]]+)\\] (?<code>AMQ\\d+:)?");
    }

    @Override
    Running start(Path dir, Jdk jdk, Mode mode, String agent) throws Exception {
        Path instance = dir.resolve("instance");
        int httpPort = freePort();
        int jmxPort = freePort();
        Files.createDirectories(dir);
        runToEnd(jdk, dir, List.of(home().resolve("bin/artemis").toString(), "create", instance.toString(), "--silent",
                "--require-login", "--user", ADMIN, "--password", ADMIN_PASSWORD, "--role", "amq", "--name", BROKER,
                "--host", "127.0.0.1", "--default-port", Integer.toString(freePort()),
                "--http-host", "127.0.0.1", "--http-port", Integer.toString(httpPort),
                "--no-amqp-acceptor", "--no-mqtt-acceptor", "--no-stomp-acceptor", "--no-hornetq-acceptor",
                "--nio", "--no-autotune", "--java-memory", "512M"));
        Path etc = instance.resolve("etc");
        Files.writeString(etc.resolve("artemis-users.properties"), "\n" + VIEWER + " = " + VIEWER_PASSWORD + "\n",
                StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("artemis-roles.properties"), "\nview = " + VIEWER + "\n", StandardOpenOption.APPEND);
        Path management = etc.resolve("management.xml");
        replace(management, "<!--<connector connector-port=\"1099\"/>-->",
                "<connector connector-host=\"127.0.0.1\" connector-port=\"" + jmxPort + "\"/>");
        String text = Files.readString(management);
        Files.writeString(management, text.replaceAll("(method=\"(?:list|get|is)\\*\" roles=\")amq\"", "$1amq,view\""));
        Path profile = etc.resolve("artemis.profile");
        replace(profile, "HAWTIO_ROLE='amq'", "HAWTIO_ROLE='amq,view'");
        if (agent != null) {
            Files.writeString(profile, "\nJAVA_ARGS=\"$JAVA_ARGS " + agent + "\"\n", StandardOpenOption.APPEND);
        }
        HostBoot boot = new HostBoot(jdk, command(instance.resolve("bin/artemis").toString(), "run"), Map.of(), dir);
        String console = "http://127.0.0.1:" + httpPort;
        return new Running(this, boot, dir, console + "/console/", instance.resolve("log/artemis.log"), Map.of(
                "jmx", "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi",
                "jolokia", console + "/console/jolokia",
                "origin", console));
    }
}
