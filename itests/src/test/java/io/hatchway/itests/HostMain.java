package io.hatchway.itests;

import java.io.IOException;
import java.util.List;

/**
 * The host application of the child JVMs: it knows nothing of Hatchway. It says it runs, then lives
 * until its standard input closes and exits 0 (or through {@code System.exit}, with {@link #SYSTEM_EXIT})
 * — so a test sees whether the agent let the host's {@code main} run and end normally.
 */
public final class HostMain {
    static final String RUNNING = "itests host: running";
    static final String DONE = "itests host: stdin closed, exiting";
    /** With this argument the host ends with {@code System.exit(}{@link #EXIT_STATUS}{@code )} instead of returning from main. */
    static final String SYSTEM_EXIT = "--system-exit";
    static final int EXIT_STATUS = 7;

    private HostMain() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println(RUNNING);
        System.out.flush();
        while (System.in.read() != -1) { // the test closes stdin to end the host
        }
        System.out.println(DONE);
        if (List.of(args).contains(SYSTEM_EXIT)) {
            System.exit(EXIT_STATUS);
        }
    }
}
