package org.rsna22.submission;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's charts, drawn with JFreeChart and returned as PNG bytes. */
final class ReportCharts {

    static final int WIDTH = 560;
    static final int HEIGHT = 320;

    private ReportCharts() {
    }

    /** Lines y(x), one per named series; NaN points are left out. */
    static byte[] lines(String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean diagonal) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            double[][] xy = e.getValue();
            for (int i = 0; i < xy[0].length; i++) {
                if (!Double.isNaN(xy[1][i])) {
                    s.add(xy[0][i], xy[1][i]);
                }
            }
            data.addSeries(s);
        }
        if (diagonal) {
            XYSeries d = new XYSeries("chance", false, true);
            d.add(0, 0);
            d.add(1, 1);
            data.addSeries(d);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true,
                false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, series.values().stream()
                .allMatch(v -> v[0].length <= 40));
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        if (diagonal) {
            r.setSeriesPaint(data.getSeriesCount() - 1, Color.GRAY);
            r.setSeriesShapesVisible(data.getSeriesCount() - 1, false);
        }
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        if (xLabel.equals("epoch")) {
            plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        return png(chart, WIDTH, HEIGHT);
    }

    /** A histogram of values in {@code bins} bins. */
    static byte[] histogram(String title, String xLabel, List<Double> values, int bins) {
        HistogramDataset data = new HistogramDataset();
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        data.addSeries(xLabel, v.length == 0 ? new double[] {0} : v, bins);
        JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "studies", data, PlotOrientation.VERTICAL,
                false, false, false);
        return png(chart, WIDTH / 2 + 40, HEIGHT - 40);
    }

    /** Bars per category, one bar series per row key (e.g. predicted and true). */
    static byte[] bars(String title, String yLabel, LinkedHashMap<String, double[]> rows, List<String> categories,
                       int width, int height) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        rows.forEach((row, values) -> {
            for (int i = 0; i < categories.size(); i++) {
                data.addValue(values[i], row, categories.get(i));
            }
        });
        JFreeChart chart = ChartFactory.createBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL, true,
                false, false);
        chart.getCategoryPlot().getRangeAxis().setRange(0, 1);
        return png(chart, width, height);
    }

    /** A small line chart without a legend (p(has_box) along the slices). */
    static byte[] profile(String title, String xLabel, String yLabel, double[] x, double[] y, int width, int height) {
        XYSeries s = new XYSeries(yLabel, false, true);
        for (int i = 0; i < x.length; i++) {
            s.add(x[i], y[i]);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, new XYSeriesCollection(s),
                PlotOrientation.VERTICAL, false, false, false);
        chart.getXYPlot().getRangeAxis().setRange(0, 1);
        return png(chart, width, height);
    }

    static byte[] png(JFreeChart chart, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
