package io.hatchway.itests;

import java.io.IOException;

/**
 * The host application of the child JVMs: it knows nothing of Hatchway. It says it runs, then lives
 * until its standard input closes and exits 0 — so a test sees whether the agent let the host's
 * {@code main} run and end normally.
 */
public final class HostMain {
    static final String RUNNING = "itests host: running";
    static final String DONE = "itests host: stdin closed, exiting";

    private HostMain() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println(RUNNING);
        System.out.flush();
        while (System.in.read() != -1) { // the test closes stdin to end the host
        }
        System.out.println(DONE);
    }
}
