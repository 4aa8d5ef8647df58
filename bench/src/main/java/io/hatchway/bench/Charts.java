package io.hatchway.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run at a glance, as PNGs in the output folder: for every figure with samples, the latency
 * distribution of both sides as cumulative curves (the median is where a curve crosses 50, the tail
 * is its right end), with the alternatives timed beside it dashed; and {@code summary.png}, every
 * figure's value relative to its target.
 */
final class Charts {
    private Charts() {
    }

    static List<Path> write(List<Figure> figures, Path out) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Figure f : figures) {
            if (f.hatchway == null || f.hatchway.size() == 0) {
                continue;
            }
            XYChart chart = new XYChartBuilder().width(1000).height(640)
                    .title(f.name + (f.value().isPresent() ? String.format(" = %.3g", f.value().get()) : ""))
                    .xAxisTitle("latency (ms, log scale)").yAxisTitle("percentile").build();
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
            chart.getStyler().setYAxisDecimalPattern("0");
            chart.getStyler().setYAxisTickMarkSpacingHint(60);
            chart.getStyler().setXAxisDecimalPattern("0.##");
            cdf(chart, f.hatchway, false);
            if (f.reference != null && f.reference.size() > 0) {
                cdf(chart, f.reference, false);
            }
            for (Samples alternative : f.alternatives) {
                if (alternative != f.reference && alternative.size() > 0
                        && chart.getSeriesMap().keySet().stream().noneMatch(k -> k.startsWith(alternative.label()))) {
                    cdf(chart, alternative, true);
                }
            }
            Path file = out.resolve(f.name + ".png");
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(file);
        }
        List<String> names = new ArrayList<>();
        List<Double> relative = new ArrayList<>();
        for (Figure f : figures) {
            if (f.value().isPresent() && f.target > 0) {
                double v = f.value().get();
                names.add(f.name);
                relative.add(f.goal == Figure.Goal.AT_MOST ? v / f.target : (v > 0 ? f.target / v : 10.0));
            }
        }
        if (!names.isEmpty()) {
            CategoryChart chart = new CategoryChartBuilder().width(1100).height(600)
                    .title("Each figure against its target (1 = on target; below 1 the target is met)")
                    .yAxisTitle("value / target (throughput: target / value)").build();
            chart.getStyler().setXAxisLabelRotation(35);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.addSeries("figure", names, relative);
            CategorySeries line = chart.addSeries("target", names, names.stream().map(n -> 1.0).toList());
            line.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            Path file = out.resolve("summary.png");
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(file);
        }
        return written;
    }

    /** One side's cumulative curve; an alternative's is thin and dashed. */
    private static void cdf(XYChart chart, Samples samples, boolean alternative) {
        long[] sorted = samples.sorted();
        double[] x = new double[sorted.length];
        double[] y = new double[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            x[i] = Math.max(sorted[i] / 1e6, 1e-3);
            y[i] = 100.0 * (i + 1) / sorted.length;
        }
        XYSeries series = chart.addSeries(String.format("%s (n=%d, p50 %.3g ms)", samples.label(), sorted.length,
                samples.medianMs()), x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        if (alternative) {
            series.setLineStyle(new java.awt.BasicStroke(1.2f, java.awt.BasicStroke.CAP_BUTT,
                    java.awt.BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
    }
}
