package io.hatchway.agent;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import io.hatchway.agent.client.JolokiaConnection;
import io.hatchway.agent.client.TaskCli;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code java -jar hatchway-agent.jar [options]} runs the demo host;
 * {@code java -jar hatchway-agent.jar start|stop|status|list [<pid>|<regex>] [options]} loads,
 * unloads or inspects Hatchway in a running JVM through the Attach API, in the manner of Jolokia's
 * {@code AgentLauncher}. Exit status 0 on success, 1 otherwise; every failure is one clear line.
 * {@code start} and {@code stop} wait (at most {@value #READY_SECONDS} s) until the target says so.
 */
public final class Cli {
    static final int READY_SECONDS = 15;
    private static final List<String> COMMANDS = List.of("start", "stop", "status", "list");

    private final PrintStream out;
    private final PrintStream err;

    Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && TaskCli.VERBS.containsKey(args[0])) {
            System.exit(new Cli(System.out, System.err).runTaskVerb(args));
        }
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            if (args.length > 1) {
                System.err.println("usage: java -jar hatchway-agent.jar [start|stop|status|list] [<pid>|<regex>] [key=value,...]");
                System.exit(1);
            }
            DemoHost.run(args.length == 1 ? args[0] : "");
            return;
        }
        System.exit(new Cli(System.out, System.err).run(args));
    }

    int run(String[] args) {
        String command = args[0];
        try {
            if (command.equals("list")) {
                return list();
            }
            if (args.length < 2 || args.length > 3) {
                err.println("usage: java -jar hatchway-agent.jar " + command + " <pid>|<regex>"
                        + (command.equals("start") ? " [key=value,...]" : ""));
                return 1;
            }
            VirtualMachineDescriptor target = find(args[1]);
            String options = args.length == 3 ? args[2] : "";
            return switch (command) {
                case "start" -> start(target, options);
                case "stop" -> stop(target);
                default -> status(target);
            };
        } catch (NoClassDefFoundError e) {
            err.println("hatchway: the Attach API is missing from this Java runtime (module jdk.attach); run the CLI with a full JDK");
            return 1;
        } catch (CliException e) {
            err.println("hatchway: " + e.getMessage());
            return 1;
        }
    }

    /**
     * {@code <verb> <target> ...}: a task verb of {@link TaskCli} against the agent in a local JVM
     * (pid or regex, as the attach commands take it: its Jolokia URL and password file are read
     * from its system properties) or at a Jolokia URL (the password from {@code --password-file}
     * or the environment variable {@code HATCHWAY_PASSWORD}).
     */
    int runTaskVerb(String[] args) {
        String verb = args[0];
        if (args.length < 2) {
            err.println("usage: java -jar hatchway-agent.jar " + verb + " <pid>|<regex>|<jolokia url> "
                    + TaskCli.VERBS.get(verb) + " [--json] [--password-file <file>]");
            return 1;
        }
        List<String> rest = new ArrayList<>(List.of(args).subList(2, args.length));
        Optional<Path> passwordFile = Optional.empty();
        int option = rest.indexOf("--password-file");
        if (option >= 0 && (rest.indexOf("--") < 0 || option < rest.indexOf("--"))) {
            if (option + 1 >= rest.size()) {
                err.println("hatchway: option --password-file needs a value");
                return 1;
            }
            passwordFile = Optional.of(Path.of(rest.remove(option + 1)));
            rest.remove(option);
        }
        try {
            return new TaskCli(out, err, connect(args[1], passwordFile)).run(verb, rest);
        } catch (NoClassDefFoundError e) {
            err.println("hatchway: the Attach API is missing from this Java runtime (module jdk.attach); run the CLI with a full JDK");
            return 1;
        } catch (CliException e) {
            err.println("hatchway: " + e.getMessage());
            return 1;
        }
    }

    private JolokiaConnection connect(String target, Optional<Path> passwordFile) throws CliException {
        if (target.startsWith("http://") || target.startsWith("https://")) {
            URI url;
            try {
                url = new URI(target);
            } catch (URISyntaxException e) {
                throw new CliException("'" + target + "' is not a URL: " + e.getReason());
            }
            Optional<String> password = passwordFile.isPresent() ? Optional.of(readPassword(passwordFile.get()))
                    : Optional.ofNullable(System.getenv("HATCHWAY_PASSWORD"));
            return new JolokiaConnection(url, password);
        }
        VirtualMachineDescriptor jvm = find(target);
        VirtualMachine vm = attach(jvm);
        try {
            Properties props = vm.getSystemProperties();
            if (props.getProperty(HatchwayAgent.AGENT_PROPERTY) == null) {
                throw new CliException("Hatchway is not loaded in " + describe(jvm));
            }
            String url = props.getProperty(HatchwayAgent.JOLOKIA_URL_PROPERTY, "");
            if (url.isEmpty()) {
                throw new CliException("Hatchway in " + describe(jvm) + " serves no Jolokia (jolokia=false)");
            }
            Optional<Path> file = passwordFile.or(() -> Optional.ofNullable(
                    props.getProperty(HatchwayAgent.PASSWORD_FILE_PROPERTY)).map(Path::of));
            Optional<String> password = file.isPresent() ? Optional.of(readPassword(file.get())) : Optional.empty();
            return new JolokiaConnection(URI.create(url), password);
        } catch (IOException e) {
            throw new CliException("reading " + describe(jvm) + " failed: " + e.getMessage());
        } finally {
            detach(vm);
        }
    }

    private static String readPassword(Path file) throws CliException {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new CliException("cannot read the password file " + file + ": " + e.getMessage());
        }
    }

    private int start(VirtualMachineDescriptor target, String options) throws CliException {
        VirtualMachine vm = attach(target);
        try {
            Properties props = vm.getSystemProperties();
            if (props.getProperty(HatchwayAgent.AGENT_PROPERTY) != null) {
                throw new CliException("Hatchway is already loaded in " + describe(target) + "; stop it first");
            }
            AgentOptions.parse(options); // refuse bad options here, before touching the target
            vm.loadAgent(jar().toString(), options);
            awaitProperty(vm, true);
            out.println("Hatchway started in " + describe(target) + status(vm.getSystemProperties()));
            return 0;
        } catch (IllegalArgumentException e) {
            throw new CliException("bad options: " + e.getMessage());
        } catch (IOException | AgentLoadException | AgentInitializationException e) {
            throw new CliException("loading into " + describe(target) + " failed: " + e.getMessage());
        } finally {
            detach(vm);
        }
    }

    private int stop(VirtualMachineDescriptor target) throws CliException {
        VirtualMachine vm = attach(target);
        try {
            if (vm.getSystemProperties().getProperty(HatchwayAgent.AGENT_PROPERTY) == null) {
                throw new CliException("Hatchway is not loaded in " + describe(target));
            }
            vm.loadAgent(jar().toString(), "mode=stop");
            awaitProperty(vm, false);
            out.println("Hatchway stopped in " + describe(target) + "; its tasks' processes keep running");
            return 0;
        } catch (IOException | AgentLoadException | AgentInitializationException e) {
            throw new CliException("stopping in " + describe(target) + " failed: " + e.getMessage());
        } finally {
            detach(vm);
        }
    }

    private int status(VirtualMachineDescriptor target) throws CliException {
        VirtualMachine vm = attach(target);
        try {
            Properties props = vm.getSystemProperties();
            if (props.getProperty(HatchwayAgent.AGENT_PROPERTY) == null) {
                out.println("Hatchway is not loaded in " + describe(target));
                return 1;
            }
            out.println("Hatchway is running in " + describe(target) + status(props));
            return 0;
        } catch (IOException e) {
            throw new CliException("reading " + describe(target) + " failed: " + e.getMessage());
        } finally {
            detach(vm);
        }
    }

    private int list() {
        for (VirtualMachineDescriptor vm : others()) {
            String state = "";
            try {
                VirtualMachine attached = VirtualMachine.attach(vm);
                try {
                    Properties props = attached.getSystemProperties();
                    state = props.getProperty(HatchwayAgent.AGENT_PROPERTY) == null ? "" : "  [hatchway" + status(props) + "]";
                } finally {
                    attached.detach();
                }
            } catch (IOException | AttachNotSupportedException | RuntimeException e) {
                state = "  [not attachable: " + e.getMessage() + "]";
            }
            out.println(vm.id() + "  " + vm.displayName() + state);
        }
        return 0;
    }

    private static String status(Properties props) {
        String url = props.getProperty(HatchwayAgent.JOLOKIA_URL_PROPERTY);
        return url == null || url.isEmpty() ? " (JMX only)" : ", Jolokia at " + url;
    }

    /** Waits until the target reports Hatchway loaded ({@code true}) or gone, or a failed start. */
    private void awaitProperty(VirtualMachine vm, boolean loaded) throws IOException, CliException {
        long deadline = System.nanoTime() + Duration.ofSeconds(READY_SECONDS).toNanos();
        while (System.nanoTime() < deadline) {
            Properties props = vm.getSystemProperties();
            if ((props.getProperty(HatchwayAgent.AGENT_PROPERTY) != null) == loaded) {
                return;
            }
            String failure = props.getProperty(HatchwayAgent.FAILURE_PROPERTY);
            if (loaded && failure != null) {
                throw new CliException("Hatchway did not start: " + failure);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new CliException("the target did not report Hatchway " + (loaded ? "started" : "stopped") + " within "
                + READY_SECONDS + " s; see its stderr and <stateDir>/hatchway.log");
    }

    private VirtualMachineDescriptor find(String pidOrRegex) throws CliException {
        List<VirtualMachineDescriptor> all = others();
        for (VirtualMachineDescriptor vm : all) {
            if (vm.id().equals(pidOrRegex)) {
                return vm;
            }
        }
        if (pidOrRegex.chars().allMatch(Character::isDigit)) {
            throw new CliException("no JVM with pid " + pidOrRegex + " that this user can attach to");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(pidOrRegex);
        } catch (PatternSyntaxException e) {
            throw new CliException("'" + pidOrRegex + "' is neither a pid nor a regular expression: " + e.getDescription());
        }
        List<VirtualMachineDescriptor> matches = new ArrayList<>();
        for (VirtualMachineDescriptor vm : all) {
            if (pattern.matcher(vm.displayName()).find()) {
                matches.add(vm);
            }
        }
        if (matches.size() != 1) {
            StringBuilder text = new StringBuilder("'" + pidOrRegex + "' matches " + matches.size()
                    + " JVMs; it must match exactly one");
            matches.forEach(vm -> text.append("\n  ").append(vm.id()).append("  ").append(vm.displayName()));
            throw new CliException(text.toString());
        }
        return matches.get(0);
    }

    private static List<VirtualMachineDescriptor> others() {
        String self = Long.toString(ProcessHandle.current().pid());
        List<VirtualMachineDescriptor> out = new ArrayList<>();
        for (VirtualMachineDescriptor vm : VirtualMachine.list()) {
            if (!vm.id().equals(self)) {
                out.add(vm);
            }
        }
        return out;
    }

    private static VirtualMachine attach(VirtualMachineDescriptor target) throws CliException {
        try {
            return VirtualMachine.attach(target);
        } catch (AttachNotSupportedException | IOException e) {
            throw new CliException("cannot attach to " + describe(target) + ": " + e.getMessage()
                    + " (the CLI must run as the target JVM's user, and the target must allow attaching)");
        }
    }

    private static void detach(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException e) { // the target went away; nothing to release
        }
    }

    private static String describe(VirtualMachineDescriptor vm) {
        return vm.id() + " (" + (vm.displayName().isEmpty() ? "no name" : vm.displayName()) + ")";
    }

    /** This agent jar, as the target JVM should load it. */
    static Path jar() {
        try {
            return Path.of(Cli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CLI failure: its message is the one line the user sees. */
    static final class CliException extends Exception {
        CliException(String message) {
            super(message, null, false, false);
        }
    }
}
