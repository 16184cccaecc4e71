package org.rsna22.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one epoch measured: training loss, validation loss and the model's own validation metrics (NaN for fold -1,
 * which has no validation studies), learning rate and speed; one row of metrics.csv.
 */
public record EpochMetrics(int epoch, double trainLoss, double valLoss, List<String> names, double[] values, double lr,
                           double seconds, double imagesPerSecond) {

    /** A validation metric by its column name, NaN when this model has none of that name. */
    public double value(String name) {
        int i = names.indexOf(name);
        return i < 0 ? Double.NaN : values[i];
    }

    static String header(List<String> names) {
        List<String> cols = new ArrayList<>(List.of("epoch", "train_loss", "val_loss"));
        cols.addAll(names);
        cols.addAll(List.of("lr", "seconds", "images_per_second"));
        return String.join(",", cols);
    }

    String csvLine() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d,%.6f,%s", epoch, trainLoss, num(valLoss)));
        for (double v : values) {
            sb.append(',').append(num(v));
        }
        return sb.append(String.format(Locale.ROOT, ",%.8f,%.2f,%.1f", lr, seconds, imagesPerSecond)).toString();
    }

    /** Parses a row written by {@link #csvLine()}. */
    static EpochMetrics parse(String line, List<String> names) {
        String[] v = line.split(",", -1);
        double[] values = new double[names.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = d(v[3 + i]);
        }
        int k = 3 + values.length;
        return new EpochMetrics(Integer.parseInt(v[0]), d(v[1]), d(v[2]), names, values, d(v[k]), d(v[k + 1]),
                d(v[k + 2]));
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }
}
