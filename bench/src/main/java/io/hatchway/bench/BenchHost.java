package io.hatchway.bench;

import java.io.IOException;

/**
 * The host application of the benchmark's child JVMs; it knows nothing of Hatchway. At the start of
 * {@code main} it prints {@value #MAIN} with the time the agent's {@code premain} held it, when
 * {@link StampAgent}s ran before and after the agent, then it lives until its standard input closes.
 */
public final class BenchHost {
    static final String MAIN = "bench-host: main";

    private BenchHost() {
    }

    public static void main(String[] args) throws IOException {
        String before = System.getProperty(StampAgent.PROPERTY + "before");
        String after = System.getProperty(StampAgent.PROPERTY + "after");
        long held = before != null && after != null ? Long.parseLong(after) - Long.parseLong(before) : -1;
        System.out.println(MAIN + " premain_nanos=" + held);
        System.out.flush();
        while (System.in.read() != -1) { // the benchmark closes stdin to end the host
        }
    }
}
