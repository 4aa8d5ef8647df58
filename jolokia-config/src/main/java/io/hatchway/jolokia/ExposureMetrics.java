package io.hatchway.jolokia;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.management.Attribute;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The figures {@code GET /metrics} answers with, in the Prometheus text format (or OpenMetrics when
 * the scraper asks for it), made by the Prometheus Java client library from a registry of this
 * exposure's own (never the library's global default one, which a host may use itself):
 * <ul>
 *   <li>{@code hatchway_task_cpu_seconds_total{task}}, {@code hatchway_task_memory_bytes{task}},
 *       {@code hatchway_task_pids{task}}: each task's {@code stats()} container figures, read at
 *       the scrape (a task stopping, whose {@code stats()} is NotFound, is left out);
 *   <li>{@code hatchway_execs{task,state}}: each task's execs by state ({@code created},
 *       {@code running}, {@code exited}); {@code hatchway_exited_execs{task,exit_status}}: its
 *       exited execs (not yet deleted) by exit status;
 *   <li>{@code hatchway_operation_duration_seconds{mbean,operation}}: a histogram of the time each
 *       operation of a {@code hatchway} MBean took when invoked through this exposure.
 * </ul>
 *
 * <p>Why read through the MBean server: the figures are those every other client sees (the same
 * {@code stats()}, the same {@code State} and {@code ExitStatus} attributes), and this module needs
 * nothing of Hatchway's MBean classes. The latencies are taken where this exposure invokes the
 * operations ({@link #timed}), so they are the ones HTTP clients wait for; calls made over the host's
 * JMX (JConsole) are not in them. Thread-safe.
 */
final class ExposureMetrics {
    /** The path served. */
    static final String PATH = "/metrics";
    private static final String DOMAIN = "hatchway";
    private static final ObjectName TASKS = name("hatchway:type=Task,*");
    private static final ObjectName EXECS = name("hatchway:type=Exec,*");
    private static final List<String> STATES = List.of("created", "running", "exited");
    private static final Logger log = LoggerFactory.getLogger(ExposureMetrics.class);

    private final MBeanServer mbeans;
    /*
     * The library's part (registry, histogram, format writers) is made at the first hatchway
     * operation or the first scrape, whichever comes first, not at the exposure's start: loading
     * and setting up the Prometheus classes is tens of milliseconds of the start-up every host
     * pays, scraped or not. Only Library's code names the library's classes, so none of them
     * loads before then.
     */
    private volatile Library library; // null until made
    private volatile String unavailable; // set when the library did not start

    private ExposureMetrics(MBeanServer mbeans) {
        this.mbeans = mbeans;
    }

    /**
     * Figures of the MBeans in {@code mbeans}, made when first needed. Never fails: should the
     * library not start (its properties class, loaded once per class loader, refuses an
     * {@code io.prometheus.*} system property of the host's it does not know), {@code /metrics}
     * answers Unavailable, saying why, and Jolokia serves as ever.
     */
    static ExposureMetrics of(MBeanServer mbeans) {
        return new ExposureMetrics(mbeans);
    }

    /** The library's part, made now if it is not yet; null when the library did not start. */
    private Library library() {
        Library made = library;
        if (made != null || unavailable != null) {
            return made;
        }
        synchronized (this) {
            if (library == null && unavailable == null) {
                try {
                    library = new Library(mbeans);
                } catch (RuntimeException | LinkageError e) {
                    log.warn("{} is not served: the Prometheus client library did not start", PATH, e);
                    unavailable = "the Prometheus client library did not start: "
                            + ErrorAnswers.withoutClassNames(String.valueOf(e.getMessage())) + " (details in hatchway.log)";
                }
            }
            return library;
        }
    }

    /** Why the figures are not served, when they are not. */
    Optional<String> unavailable() {
        return library() == null ? Optional.of(unavailable) : Optional.empty();
    }

    /**
     * {@code mbeans} with each {@code invoke} of an operation of a {@code hatchway} MBean timed into
     * {@code hatchway_operation_duration_seconds}, failed ones too (but not a call of an MBean or an
     * operation that does not exist); everything else passes as it is.
     */
    MBeanServer timed(MBeanServer mbeans) {
        InvocationHandler timing = (proxy, method, arguments) -> {
            ObjectName target = method.getName().equals("invoke") && arguments != null && arguments.length == 4
                    && arguments[0] instanceof ObjectName name && DOMAIN.equals(name.getDomain()) ? name : null;
            long started = System.nanoTime();
            boolean operationRan = true;
            try {
                return method.invoke(mbeans, arguments);
            } catch (InvocationTargetException e) {
                // no such MBean or operation: not counted, so a client cannot add series without end
                operationRan = !(e.getCause() instanceof InstanceNotFoundException
                        || e.getCause() instanceof ReflectionException);
                throw e.getCause();
            } finally {
                if (target != null && operationRan && target.getKeyProperty("type") != null) {
                    Library figures = library();
                    if (figures != null) {
                        figures.observe(target.getKeyProperty("type"), String.valueOf(arguments[1]),
                                (System.nanoTime() - started) / 1e9);
                    }
                }
            }
        };
        return (MBeanServer) Proxy.newProxyInstance(ExposureMetrics.class.getClassLoader(),
                new Class<?>[] {MBeanServer.class}, timing);
    }

    /** The content type of the format {@code accept} (a request's {@code Accept} header, may be null) gets. */
    String contentType(String accept) {
        return library().contentType(accept);
    }

    /** Writes every figure, as read now, in the format {@code accept} asks for. */
    void write(OutputStream out, String accept) throws IOException {
        library().write(out, accept);
    }

    /** The Prometheus client library's part: a registry of this exposure's own, its histogram and writers. */
    private static final class Library {
        private final PrometheusRegistry registry = new PrometheusRegistry();
        private final Histogram operations;
        private final ExpositionFormatWriter prometheusText;
        private final ExpositionFormatWriter openMetrics;

        Library(MBeanServer mbeans) {
            // Properties of our own, not PrometheusProperties.get(): the library's defaults come from
            // io.prometheus.* system properties, environment variables and files of the host's.
            PrometheusProperties properties = PrometheusProperties.builder().build();
            operations = Histogram.builder(properties)
                    .name("hatchway_operation_duration_seconds")
                    .help("Time taken by operations of Hatchway's MBeans invoked over this HTTP server")
                    .unit(Unit.SECONDS)
                    .labelNames("mbean", "operation")
                    .classicOnly()
                    .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
                            300)
                    .withoutExemplars()
                    .build();
            registry.register(operations);
            registry.register(new TaskFigures(mbeans));
            prometheusText = PrometheusTextFormatWriter.create();
            openMetrics = OpenMetricsTextFormatWriter.create();
        }

        void observe(String mbean, String operation, double seconds) {
            operations.labelValues(mbean, operation).observe(seconds);
        }

        String contentType(String accept) {
            return writer(accept).getContentType();
        }

        void write(OutputStream out, String accept) throws IOException {
            writer(accept).write(out, registry.scrape());
        }

        private ExpositionFormatWriter writer(String accept) {
            return accept != null && openMetrics.accepts(accept) ? openMetrics : prometheusText;
        }
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each task's figures and exec counts, read from the MBeans at each scrape. */
    private static final class TaskFigures implements MultiCollector {
        private final MBeanServer mbeans;

        TaskFigures(MBeanServer mbeans) {
            this.mbeans = mbeans;
        }

        @Override
        public MetricSnapshots collect() {
            CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("hatchway_task_cpu_seconds").unit(Unit.SECONDS)
                    .help("CPU time (user and kernel) used by the task's processes, from stats()");
            GaugeSnapshot.Builder memory = GaugeSnapshot.builder().name("hatchway_task_memory_bytes").unit(Unit.BYTES)
                    .help("Memory in use by the task, from stats()");
            GaugeSnapshot.Builder pids = GaugeSnapshot.builder().name("hatchway_task_pids")
                    .help("Processes in the task, from stats()");
            for (ObjectName task : mbeans.queryNames(TASKS, null)) {
                CompositeData container = container(task);
                if (container == null) {
                    continue;
                }
                Labels labels = Labels.of("task", task.getKeyProperty("name"));
                cpu.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels)
                        .value(number(container, "cpuTotal100ns") / 1e7).build());
                memory.dataPoint(gauge(labels, number(container, "memoryUsageBytes")));
                pids.dataPoint(gauge(labels, number(container, "pidsCurrent")));
            }

            Map<String, Map<String, Integer>> byState = new TreeMap<>();
            Map<String, Map<String, Integer>> byExitStatus = new TreeMap<>();
            for (ObjectName exec : mbeans.queryNames(EXECS, null)) {
                String task = exec.getKeyProperty("task");
                List<Attribute> read;
                try {
                    read = mbeans.getAttributes(exec, new String[] {"State", "ExitStatus"}).asList();
                } catch (JMException | RuntimeException e) { // deleted meanwhile
                    continue;
                }
                if (read.size() != 2) {
                    continue;
                }
                String state = String.valueOf(read.get(0).getValue());
                byState.computeIfAbsent(task, t -> new TreeMap<>()).merge(state, 1, Integer::sum);
                if (state.equals("exited")) {
                    byExitStatus.computeIfAbsent(task, t -> new TreeMap<>())
                            .merge(String.valueOf(read.get(1).getValue()), 1, Integer::sum);
                }
            }
            GaugeSnapshot.Builder execs = GaugeSnapshot.builder().name("hatchway_execs")
                    .help("Execs of each task (the init exec included) by state");
            byState.forEach((task, counts) -> STATES.forEach(state -> execs.dataPoint(
                    gauge(Labels.of("task", task, "state", state), counts.getOrDefault(state, 0)))));
            GaugeSnapshot.Builder exited = GaugeSnapshot.builder().name("hatchway_exited_execs")
                    .help("Exited execs of each task, not yet deleted, by exit status");
            byExitStatus.forEach((task, counts) -> counts.forEach((status, count) -> exited.dataPoint(
                    gauge(Labels.of("task", task, "exit_status", status), count))));
            return MetricSnapshots.of(cpu.build(), memory.build(), pids.build(), execs.build(), exited.build());
        }

        // The container figures of stats(), or null when the task has none now (stopping, deleted).
        private CompositeData container(ObjectName task) {
            try {
                Object stats = mbeans.invoke(task, "stats", new Object[0], new String[0]);
                return stats instanceof CompositeData data && data.get("container") instanceof CompositeData container
                        ? container : null;
            } catch (JMException | RuntimeException e) {
                log.debug("no figures of {}: {}", task, e.toString());
                return null;
            }
        }

        private static double number(CompositeData data, String key) {
            return data.get(key) instanceof Number number ? number.doubleValue() : Double.NaN;
        }

        private static GaugeSnapshot.GaugeDataPointSnapshot gauge(Labels labels, double value) {
            return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
        }
    }
}
