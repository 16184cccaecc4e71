package org.rsna22.inference;

import java.util.List;
import org.rsna22.config.InferBboxConfig;

/**
 * SPEC §5: the study box is the min/max of the predicted boxes of the slices with p(has_box) above the
 * threshold (x0, y0 floored, x1, y1 ceiled, × size, clipped to the image; the whole image when no slice
 * qualifies); the slice range runs from the first to the last slice whose centred rolling mean of p
 * (window 5, at least 3 values) exceeds 0.1, or over the whole study when none does.
 */
public final class StudyBoxAggregator {
    private final InferBboxConfig c;

    public StudyBoxAggregator(InferBboxConfig c) {
        this.c = c;
    }

    /** @param slices one study's predictions in slice-number order */
    public StudyBox aggregate(List<SlicePrediction> slices, int slnumMax) {
        SlicePrediction first = slices.get(0);
        int cols = first.columns();
        int rows = first.rows();
        double x0 = Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double x1 = -Double.MAX_VALUE;
        double y1 = -Double.MAX_VALUE;
        for (SlicePrediction s : slices) {
            if (s.p() > c.hasBoxThreshold()) {
                x0 = Math.min(x0, Math.min(s.x0(), s.x1()));
                y0 = Math.min(y0, Math.min(s.y0(), s.y1()));
                x1 = Math.max(x1, Math.max(s.x0(), s.x1()));
                y1 = Math.max(y1, Math.max(s.y0(), s.y1()));
            }
        }
        int bx0 = 0;
        int by0 = 0;
        int bx1 = cols - 1;
        int by1 = rows - 1;
        if (x1 >= x0) {
            bx0 = clip((int) Math.floor(x0 * cols), cols);
            by0 = clip((int) Math.floor(y0 * rows), rows);
            bx1 = clip((int) Math.ceil(x1 * cols), cols);
            by1 = clip((int) Math.ceil(y1 * rows), rows);
        }
        double[] rolling = rollingMean(slices);
        int from = -1;
        int to = -1;
        for (int i = 0; i < rolling.length; i++) {
            if (rolling[i] > c.rangeThreshold()) {
                if (from < 0) {
                    from = i;
                }
                to = i;
            }
        }
        int slnumFrom = from < 0 ? slices.get(0).sliceNumber() : slices.get(from).sliceNumber();
        int slnumTo = to < 0 ? slices.get(slices.size() - 1).sliceNumber() : slices.get(to).sliceNumber();
        return new StudyBox(first.studyUid(), bx0, by0, bx1, by1, slnumFrom, slnumTo, slnumMax);
    }

    /** pandas' rolling(window, center=True, min_periods).mean(): NaN (here -1) where too few values. */
    double[] rollingMean(List<SlicePrediction> slices) {
        int n = slices.size();
        int w = c.rollingWindow();
        int before = (w - 1) - (w - 1) / 2;
        int after = (w - 1) / 2;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - before);
            int hi = Math.min(n - 1, i + after);
            int count = hi - lo + 1;
            if (count < c.rollingMinPeriods()) {
                out[i] = -1;
                continue;
            }
            double sum = 0;
            for (int k = lo; k <= hi; k++) {
                sum += slices.get(k).p();
            }
            out[i] = sum / count;
        }
        return out;
    }

    private static int clip(int v, int size) {
        return Math.max(0, Math.min(size - 1, v));
    }
}
