package ai.superclip.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts with XChart: loss curves, accuracy vs batch size, and model comparisons with error bars.
 * Rendering runs headless (sets {@code java.awt.headless=true} unless already set), so no display is needed.
 */
public final class Plots {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * One named line: points {@code (x[i], y[i])} and, optionally, a symmetric error bar {@code yError[i]}.
     *
     * @param yError error bar half-heights, or {@code null} for none
     */
    public record Series(double[] x, double[] y, double[] yError) {

        /** Validates the lengths. */
        public Series {
            if (x.length != y.length || (yError != null && yError.length != y.length) || x.length == 0) {
                throw new IllegalArgumentException("series needs equally long, non-empty x, y (and error) arrays");
            }
        }

        /** A line without error bars. */
        public static Series of(double[] x, double[] y) {
            return new Series(x, y, null);
        }
    }

    private Plots() {
    }

    /** Loss curves, one series per loss term (e.g. "clip", "cls", "total"); x = optimiser step. */
    public static void lossCurves(Path png, String title, Map<String, Series> lossPerTerm) throws IOException {
        lines(png, title, "step", "loss", lossPerTerm, false);
    }

    /** A metric against the batch size (log₂-spaced, so drawn on a logarithmic x axis), one series per model. */
    public static void accuracyVsBatchSize(Path png, String metric, Map<String, Series> perModel) throws IOException {
        lines(png, metric + " vs batch size", "batch size", metric, perModel, true);
    }

    /** A general line chart; series are drawn in map order. */
    public static void lines(Path png, String title, String xTitle, String yTitle, Map<String, Series> series,
                             boolean logX) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(logX).setXAxisLogarithmicDecadeOnly(false)
                .setErrorBarsColorSeriesColor(true);
        series.forEach((name, s) -> {
            XYSeries line = chart.addSeries(name, s.x(), s.y(), s.yError());
            line.setMarker(s.x().length > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        });
        save(chart, png);
    }

    /**
     * Grouped bars comparing models per metric with mean ± std error bars, e.g. CLIP vs SuperCLIP over seeds.
     *
     * @param metrics the metric keys to show, in order (one bar group each)
     * @param byModel per model, in map order, its aggregated metrics; every listed metric must be present
     */
    public static void comparisonBars(Path png, String title, List<String> metrics,
                                      Map<String, SortedMap<String, MeanStd>> byModel) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("metric").yAxisTitle("value").build();
        chart.getStyler().setErrorBarsColorSeriesColor(true).setYAxisDecimalPattern("0.00")
                .setXAxisLabelRotation(metrics.size() > 4 ? 30 : 0);
        byModel.forEach((model, values) -> {
            List<MeanStd> bars = metrics.stream().map(m -> {
                MeanStd v = values.get(m);
                if (v == null) {
                    throw new IllegalArgumentException("model '" + model + "' has no metric '" + m + "'");
                }
                return v;
            }).toList();
            chart.addSeries(model, metrics, bars.stream().map(MeanStd::mean).toList(),
                    bars.stream().map(MeanStd::std).toList());
        });
        save(chart, png);
    }

    private static void save(Chart<?, ?> chart, Path png) throws IOException {
        EvalReport.createParent(png);
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
