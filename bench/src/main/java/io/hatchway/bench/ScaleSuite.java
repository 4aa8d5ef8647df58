package io.hatchway.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Hatchway at scale on the process backend: 200 tasks (an idle {@code sleep} each) with 5 more
 * running execs each — 1,000 live execs. {@code per_exec_heap_kb} is the retained heap those 1,000
 * execs add, over 1,000; {@code scale_pids_ms} the median of {@code pids()} over JMX on tasks picked
 * at random, all of them live.
 */
final class ScaleSuite {
    static final int TASKS = 200;
    static final int EXECS_PER_TASK = 5;

    private ScaleSuite() {
    }

    static void run(Context ctx, Figure perExecHeap, Figure scalePids) throws Exception {
        int taskCount = ctx.quick ? TASKS / 4 : TASKS;
        Path bundle = ProcessSuite.bundle(ctx.work.resolve("scale-bundle"), List.of("/bin/sleep", "3600"),
                ctx.marker());
        Context.Host host = ctx.startHost("process", ctx.dir("scale-state"), List.of());
        ctx.onCleanup("scale host", host.jvm()::close);
        TaskClient tasks = host.tasks();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < taskCount; i++) {
            ids.add("bk-" + ctx.runId + "-" + i);
        }
        ctx.onCleanup("scale tasks", () -> deleteAll(tasks, ids));

        String sleep = "{\"args\":[\"/bin/sleep\",\"3600\"],\"env\":[\"PATH=/usr/bin:/bin\",\"" + ctx.marker()
                + "\"],\"cwd\":\"/\"}";
        for (String id : ids) {
            tasks.createTask(id, bundle.toString(), "");
            tasks.start(id, "");
        }
        long heapTasks = host.jvm().retainedHeapBytes();
        for (String id : ids) {
            for (int e = 1; e <= EXECS_PER_TASK; e++) {
                tasks.createExec(id, "s" + e, sleep);
                tasks.start(id, "s" + e);
            }
        }
        long heapExecs = host.jvm().retainedHeapBytes();
        int execs = taskCount * EXECS_PER_TASK;
        perExecHeap.value((heapExecs - heapTasks) / 1024.0 / execs);
        perExecHeap.note(String.format("retained heap %.1f MB with %d tasks, %.1f MB with %d execs more; host threads %d",
                heapTasks / 1048576.0, taskCount, heapExecs / 1048576.0, execs, host.jvm().threads()));

        Random random = new Random(1);
        Samples pids = new Samples("pids() over JMX");
        Samples scan = new Samples("one pass over /proc/*/stat");
        Samples walk = new Samples("the task's own processes read directly (stat and children of each)");
        int calls = ctx.iterations(200, 20);
        int warmUp = 100; // a long-lived agent answers warm: its first calls run in the interpreter
        for (int i = 0; i < warmUp + calls; i++) {
            String id = ids.get(random.nextInt(ids.size()));
            long start = System.nanoTime();
            Object[] found = tasks.pids(id);
            long nanos = System.nanoTime() - start;
            ProcessSuite.check(found.length == 1 + EXECS_PER_TASK, "pids() of " + id + " found " + found.length
                    + " processes, not " + (1 + EXECS_PER_TASK));
            long scanNanos = scanProc();
            long walkNanos = readTree(found);
            if (i >= warmUp) {
                pids.add(nanos);
                scan.add(scanNanos);
                walk.add(walkNanos);
            }
        }
        scalePids.hatchway = pids;
        scalePids.reference = scan;
        scalePids.value(pids.medianMs());
        scalePids.alternatives.add(walk);
        scalePids.note(String.format("%d processes on the host; reading every /proc/<pid>/stat once from this JVM"
                + " takes %.1f ms (median) — the reference column", countProcesses(), scan.medianMs()));
    }

    /**
     * Reads every process's {@code stat} once, as the process backend's pids() did until it kept
     * what it read between calls (issue 5). @return nanoseconds
     */
    static long scanProc() throws IOException {
        long start = System.nanoTime();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (Character.isDigit(name.charAt(0))) {
                    try {
                        Files.readString(dir.resolve("stat"));
                    } catch (IOException e) { // exited meanwhile
                    }
                }
            }
        }
        return System.nanoTime() - start;
    }

    /**
     * The alternative to a pass over all of {@code /proc}: read only the task's processes, each one's
     * {@code stat} and its {@code children} list (which would find new children; orphans that left
     * the tree are what the backend's session scan catches). @return nanoseconds
     */
    static long readTree(Object[] processes) {
        long start = System.nanoTime();
        for (Object p : processes) {
            int pid = (Integer) ((javax.management.openmbean.CompositeData) p).get("processId");
            Path dir = Path.of("/proc", Integer.toString(pid));
            try {
                Files.readString(dir.resolve("stat"));
                Files.readString(dir.resolve("task").resolve(Integer.toString(pid)).resolve("children"));
            } catch (IOException e) { // exited meanwhile
            }
        }
        return System.nanoTime() - start;
    }

    static int countProcesses() throws IOException {
        try (var dirs = Files.list(Path.of("/proc"))) {
            return (int) dirs.filter(d -> Character.isDigit(d.getFileName().toString().charAt(0))).count();
        }
    }

    /** Deletes every task (killing its processes), four at a time. */
    static void deleteAll(TaskClient tasks, List<String> ids) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String id : ids) {
                done.add(pool.submit(() -> {
                    try {
                        tasks.deleteTask(id);
                    } catch (Exception e) { // never created, or gone
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
