package org.rsna22.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one epoch measured: training loss, validation loss and the model's own validation metrics (NaN for fold -1,
 * which has no validation studies), learning rate and speed; one row of metrics.csv. An epoch capped by
 * limit_train_batches or limit_val_batches also says how many batches it trained and validated on, of how many.
 *
 * @param limits           null for an epoch of every batch (metrics.csv then has no limit columns)
 * @param deviceMemoryMiB the largest memory in use on the run's GPU during the epoch; null on the CPU (no column)
 */
public record EpochMetrics(int epoch, double trainLoss, double valLoss, List<String> names, double[] values, double lr,
                           double seconds, double imagesPerSecond, Limits limits, Double deviceMemoryMiB) {

    /** The last column of a run on a GPU. */
    static final String DEVICE_MEMORY_COLUMN = "device_memory_peak_mib";

    /** The batches a capped epoch used, of those it had. */
    public record Limits(int trainBatches, int ofTrainBatches, int valBatches, int ofValBatches) {
    }

    /** The columns of a capped run's metrics.csv, after the others. */
    static final List<String> LIMIT_COLUMNS = List.of("limit_train_batches", "of_train_batches", "limit_val_batches",
            "of_val_batches");

    /** A validation metric by its column name, NaN when this model has none of that name. */
    public double value(String name) {
        int i = names.indexOf(name);
        return i < 0 ? Double.NaN : values[i];
    }

    static String header(List<String> names, boolean limited, boolean onGpu) {
        List<String> cols = new ArrayList<>(List.of("epoch", "train_loss", "val_loss"));
        cols.addAll(names);
        cols.addAll(List.of("lr", "seconds", "images_per_second"));
        if (limited) {
            cols.addAll(LIMIT_COLUMNS);
        }
        if (onGpu) {
            cols.add(DEVICE_MEMORY_COLUMN);
        }
        return String.join(",", cols);
    }

    String csvLine() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d,%.6f,%s", epoch, trainLoss, num(valLoss)));
        for (double v : values) {
            sb.append(',').append(num(v));
        }
        sb.append(String.format(Locale.ROOT, ",%.8f,%.2f,%.1f", lr, seconds, imagesPerSecond));
        if (limits != null) {
            sb.append(',').append(limits.trainBatches()).append(',').append(limits.ofTrainBatches()).append(',')
                    .append(limits.valBatches()).append(',').append(limits.ofValBatches());
        }
        if (deviceMemoryMiB != null) {
            sb.append(String.format(Locale.ROOT, ",%.0f", deviceMemoryMiB));
        }
        return sb.toString();
    }

    /** Parses a row written by {@link #csvLine()}. */
    static EpochMetrics parse(String line, List<String> names, boolean limited, boolean onGpu) {
        String[] v = line.split(",", -1);
        double[] values = new double[names.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = d(v[3 + i]);
        }
        int k = 3 + values.length;
        Limits limits = limited && v.length >= k + 7 ? new Limits(Integer.parseInt(v[k + 3]), Integer.parseInt(v[k + 4]),
                Integer.parseInt(v[k + 5]), Integer.parseInt(v[k + 6])) : null;
        Double memory = onGpu ? d(v[v.length - 1]) : null;
        return new EpochMetrics(Integer.parseInt(v[0]), d(v[1]), d(v[2]), names, values, d(v[k]), d(v[k + 1]),
                d(v[k + 2]), limits, memory);
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }
}
