package org.rsna22.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Validation metrics of the trainers: box IoU and the area under the ROC curve. */
public final class ValidationMetrics {

    private ValidationMetrics() {
    }

    /** IoU of box i of {@code pred} (corners in any order) and of {@code truth} (x0 ≤ x1, y0 ≤ y1), 4 values a box. */
    public static double iou(float[] pred, float[] truth, int i) {
        double px0 = Math.min(pred[i * 4], pred[i * 4 + 2]);
        double px1 = Math.max(pred[i * 4], pred[i * 4 + 2]);
        double py0 = Math.min(pred[i * 4 + 1], pred[i * 4 + 3]);
        double py1 = Math.max(pred[i * 4 + 1], pred[i * 4 + 3]);
        double ix = Math.max(0, Math.min(px1, truth[i * 4 + 2]) - Math.max(px0, truth[i * 4]));
        double iy = Math.max(0, Math.min(py1, truth[i * 4 + 3]) - Math.max(py0, truth[i * 4 + 1]));
        double inter = ix * iy;
        double union = (px1 - px0) * (py1 - py0)
                + (truth[i * 4 + 2] - truth[i * 4]) * (truth[i * 4 + 3] - truth[i * 4 + 1]) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /** Area under the ROC curve by ranks (ties averaged); NaN with one class only. */
    public static double auc(List<double[]> scored) {
        List<double[]> sorted = new ArrayList<>(scored);
        sorted.sort(Comparator.comparingDouble(a -> a[0]));
        double rankSum = 0;
        long pos = 0;
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1)[0] == sorted.get(i)[0]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (sorted.get(k)[1] > 0) {
                    rankSum += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = sorted.size() - pos;
        return pos == 0 || neg == 0 ? Double.NaN : (rankSum - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }
}
