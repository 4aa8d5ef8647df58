package io.hatchway.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.LogManager;

/**
 * A host that keeps its own {@code java.util.logging} state and tells who created it. Run with
 * {@code -Djava.util.logging.manager=}{@link RecordingLogManager}: the LogManager records the stack
 * that created it. The host says it runs, then answers each {@value #REPORT} line on its stdin with
 * {@link #CREATED_BY} (that stack, or {@code nobody}) and then {@link #LOGGERS} (the names of its
 * loggers; asking creates the LogManager if nobody did), and exits 0 when stdin closes.
 */
public final class JulHostMain {
    static final String RUNNING = "jul host: running";
    static final String REPORT = "report";
    static final String CREATED_BY = "jul host: LogManager created by: ";
    static final String LOGGERS = "jul host: loggers: ";
    static final String NOBODY = "nobody";

    /** Kept here, not in the LogManager: reading a field of the LogManager would create it. */
    private static volatile String createdBy;

    /** The host's LogManager: records who created it. */
    public static final class RecordingLogManager extends LogManager {
        public RecordingLogManager() {
            List<String> frames = new ArrayList<>();
            for (StackTraceElement frame : new Throwable().getStackTrace()) {
                frames.add(frame.getClassName() + "." + frame.getMethodName());
            }
            createdBy = String.join(" < ", frames);
        }
    }

    private JulHostMain() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println(RUNNING);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals(REPORT)) {
                String creator = createdBy;
                System.out.println(CREATED_BY + (creator == null ? NOBODY : creator));
                List<String> names = Collections.list(LogManager.getLogManager().getLoggerNames());
                Collections.sort(names);
                System.out.println(LOGGERS + String.join(",", names));
                System.out.flush();
            }
        }
    }
}
