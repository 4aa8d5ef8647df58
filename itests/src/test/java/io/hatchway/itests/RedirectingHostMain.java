package io.hatchway.itests;

import java.io.PrintStream;

/**
 * A host that takes {@code System.err} over for its log, as WildFly does: every line written to it
 * goes to stdout as {@code ERROR [stderr] <line>}. It says it runs and lives until stdin closes.
 */
public final class RedirectingHostMain {
    static final String LOGGED = "ERROR [stderr] ";

    private RedirectingHostMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        System.setErr(new PrintStream(new java.io.OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    out.println(LOGGED + line);
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        }, true));
        System.out.println(HostMain.RUNNING);
        while (System.in.read() != -1) { // the test closes stdin to end the host
        }
    }
}
