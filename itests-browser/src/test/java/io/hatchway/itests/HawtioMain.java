package io.hatchway.itests;

/**
 * Starts Hawtio 3.0.0's standalone server ({@code io.hawt.embedded.Main}, Jetty with the console's
 * war) as its command line would, in a JVM whose class path is Hawtio's alone: {@code Main.main}
 * ignores its arguments in 3.0.0, so the options are set through its setters. Reflection, because
 * Hawtio is not on the tests' class path. Prints {@value #RUNNING} once it serves, and exits when its
 * standard input closes.
 *
 * <p>Arguments: the war, the port.
 */
public final class HawtioMain {
    static final String RUNNING = "hawtio serves";

    private HawtioMain() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> main = Class.forName("io.hawt.embedded.Main");
        Object hawtio = main.getConstructor().newInstance();
        main.getMethod("setWar", String.class).invoke(hawtio, args[0]);
        main.getMethod("setHost", String.class).invoke(hawtio, "127.0.0.1");
        main.getMethod("setPort", Integer.class).invoke(hawtio, Integer.valueOf(args[1]));
        main.getMethod("run").invoke(hawtio);
        System.out.println(RUNNING);
        while (System.in.read() >= 0) {
            // serve until the test closes our stdin
        }
        System.exit(0);
    }
}
