package io.hatchway.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's results: the table printed for a reader, and the same figures as {@code results.json}. */
final class Report {
    final List<Figure> figures;
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, Object> footprint = new LinkedHashMap<>();
    final List<String> leftovers = new ArrayList<>();
    double totalSeconds;

    Report(List<Figure> figures) {
        this.figures = figures;
    }

    private static String ms(Samples s) {
        if (s == null || s.size() == 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%s / %s / %s", num(s.medianMs()), num(s.p90Ms()), num(s.p99Ms()));
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String value(Figure f) {
        if (f.value().isPresent()) {
            return num(f.value().get()) + (f.isRatio() ? "" : " " + f.unit);
        }
        return f.skipped().isPresent() ? "skipped" : f.failed().isPresent() ? "failed" : "—";
    }

    private static String target(Figure f) {
        return f.goal.sign + " " + num(f.target) + (f.isRatio() ? "" : " " + f.unit);
    }

    private static String verdict(Figure f) {
        return f.met().map(m -> m ? "met" : "MISSED").orElse("");
    }

    /** The table: one row per figure, latencies in ms as median / p90 / p99, then notes, footprint, clean-up. */
    String table() {
        String[] head = {"figure", "Hatchway ms (p50 / p90 / p99)", "reference ms (p50 / p90 / p99)", "value",
                "target", ""};
        List<String[]> rows = new ArrayList<>();
        for (Figure f : figures) {
            rows.add(new String[] {f.name, ms(f.hatchway), ms(f.reference), value(f), target(f), verdict(f)});
        }
        int[] width = new int[head.length];
        for (String[] row : concat(head, rows)) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : concat(head, rows)) {
            for (int i = 0; i < row.length; i++) {
                out.append(String.format("%-" + width[i] + "s", row[i])).append(i < row.length - 1 ? "  " : "");
            }
            out.append('\n');
            if (row == head) {
                for (int i = 0; i < row.length; i++) {
                    out.append("-".repeat(width[i])).append(i < row.length - 1 ? "  " : "");
                }
                out.append('\n');
            }
        }
        out.append("\nRatios are Hatchway's median over the reference's (throughput: Hatchway's execs/s over the"
                + " reference's), both sides measured in alternation in this run.\n");
        for (Figure f : figures) {
            out.append("\n").append(f.name).append(": ").append(f.hatchwaySide);
            if (!f.referenceSide.isEmpty()) {
                out.append("\n    reference: ").append(f.referenceSide);
            }
            if (f.hatchway != null && f.hatchway.size() > 0) {
                out.append("\n    samples: ").append(f.hatchway.size())
                        .append(f.reference != null ? " / " + f.reference.size() : "");
            }
            f.skipped().ifPresent(why -> out.append("\n    SKIPPED: ").append(why));
            f.failed().ifPresent(why -> out.append("\n    FAILED: ").append(why));
            f.notes.forEach(n -> out.append("\n    ").append(n));
        }
        out.append("\n\nAlternatives and floors, timed in the same alternation as the figure (ms, p50 / p90 / p99;"
                + " x = median over the figure's reference median):");
        for (Figure f : figures) {
            for (Samples a : f.alternatives) {
                out.append(String.format(Locale.ROOT, "%n    %-28s %-62s %-22s %s", f.name, a.label(), ms(a),
                        f.reference == null || f.reference.size() == 0 ? ""
                                : num(a.medianMs() / f.reference.medianMs()) + " x"));
            }
        }
        if (figures.stream().anyMatch(f -> f.breakdown != null)) {
            out.append("\n\nWhere the agent's own part goes: the figure's load run back to back in the agent's JVM,"
                    + " profiled (CPU ms per exec by phase, all threads; wall ms per exec by phase of the request"
                    + " threads while they serve the requests, and its share). Runtime CPU: conmon, runc and the process (cgroups).");
            for (Figure f : figures) {
                if (f.breakdown != null) {
                    out.append("\n").append(f.name).append(" —").append(f.breakdown.table());
                }
            }
        }
        out.append("\n\nFootprint of the idle agent (host JVM with vs without it):\n");
        footprint.forEach((k, v) -> out.append("    ").append(k).append(": ").append(v).append('\n'));
        out.append("\nMachine: ");
        machine.forEach((k, v) -> out.append("\n    ").append(k).append(": ").append(v));
        out.append("\n\nClean-up: ").append(leftovers.isEmpty() ? "nothing left behind (processes, containers,"
                + " mounts, cgroups, containerd namespace)" : "LEFT BEHIND (removed by the final sweep): "
                + String.join("; ", leftovers));
        out.append(String.format(Locale.ROOT, "\nTotal run time: %.0f s%n", totalSeconds));
        return out.toString();
    }

    private static List<String[]> concat(String[] head, List<String[]> rows) {
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        return all;
    }

    void writeJson(Path file) throws IOException {
        ObjectNode root = JolokiaClient.JSON.createObjectNode();
        ObjectNode ratios = root.putObject("ratios");
        ObjectNode values = root.putObject("values");
        for (Figure f : figures) {
            ObjectNode target = f.isRatio() ? ratios : values;
            if (f.value().isPresent()) {
                target.put(f.name, round(f.value().get()));
            } else {
                target.putNull(f.name);
            }
        }
        ArrayNode list = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode o = list.addObject();
            o.put("name", f.name);
            o.put("unit", f.unit);
            if (f.value().isPresent()) {
                o.put("value", round(f.value().get()));
            } else {
                o.putNull("value");
            }
            o.put("target", f.target);
            o.put("goal", f.goal.sign);
            f.met().ifPresent(m -> o.put("met", m));
            o.put("hatchway_side", f.hatchwaySide);
            o.put("reference_side", f.referenceSide);
            samples(o, "hatchway_ms", f.hatchway);
            samples(o, "reference_ms", f.reference);
            if (!f.alternatives.isEmpty()) {
                ArrayNode alternatives = o.putArray("alternatives_ms");
                for (Samples a : f.alternatives) {
                    fill(alternatives.addObject(), a);
                }
            }
            f.skipped().ifPresent(why -> o.put("skipped", why));
            f.failed().ifPresent(why -> o.put("failed", why));
            f.notes.forEach(o.withArray("notes")::add);
            if (f.breakdown != null) {
                breakdown(o.putObject("breakdown"), f.breakdown);
            }
        }
        ObjectNode skipped = root.putObject("skipped");
        for (Figure f : figures) {
            f.skipped().ifPresent(why -> skipped.put(f.name, why));
            f.failed().ifPresent(why -> skipped.put(f.name, "failed: " + why));
        }
        root.set("footprint", JolokiaClient.JSON.valueToTree(footprint));
        root.set("machine", JolokiaClient.JSON.valueToTree(machine));
        ArrayNode left = root.putArray("left_behind");
        leftovers.forEach(left::add);
        root.put("total_seconds", Math.round(totalSeconds));
        Files.writeString(file, JolokiaClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static void breakdown(ObjectNode o, Profile.Breakdown b) {
        o.put("load", b.load);
        o.put("execs", b.execs);
        o.put("wall_ms_per_exec", round(b.wallMsPerExec));
        putMeasured(o, "agent_cpu_ms_per_exec", b.agentCpuMsPerExec);
        putMeasured(o, "runtime_cpu_ms_per_exec", b.runtimeCpuMsPerExec); // null: no cpuacct cgroup here
        if (!b.referenceLabel.isEmpty()) {
            o.put("reference_cpu_label", b.referenceLabel);
            putMeasured(o, "reference_cpu_ms_per_exec", b.referenceCpuMsPerExec);
        }
        ObjectNode cpu = o.putObject("cpu_ms_per_exec_by_phase");
        b.cpuMsPerExec.forEach((k, v) -> cpu.put(k, round(v)));
        ObjectNode wall = o.putObject("wall_percent_of_requests_by_phase");
        b.wallShare.forEach((k, v) -> wall.put(k, round(v)));
        ObjectNode wallMs = o.putObject("wall_ms_per_exec_by_phase");
        b.wallMs.forEach((k, v) -> wallMs.put(k, round(v)));
        b.notes.forEach(o.withArray("notes")::add);
    }

    private static void putMeasured(ObjectNode o, String field, double v) {
        if (Double.isNaN(v)) {
            o.putNull(field);
        } else {
            o.put(field, round(v));
        }
    }

    private static void samples(ObjectNode o, String field, Samples s) {
        if (s != null && s.size() > 0) {
            fill(o.putObject(field), s);
        }
    }

    private static void fill(ObjectNode n, Samples s) {
        n.put("label", s.label());
        n.put("count", s.size());
        n.put("median", round(s.medianMs()));
        n.put("p90", round(s.p90Ms()));
        n.put("p99", round(s.p99Ms()));
        n.put("mean", round(s.meanMs()));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
