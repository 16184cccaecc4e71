package org.rsna22.submission;

import java.util.ArrayList;
import java.util.List;

/** ROC curves: the (false positive rate, true positive rate) points as the threshold falls, ties taken together. */
final class Roc {

    private Roc() {
    }

    /**
     * @param pairs {score, label 0/1}
     * @return x (FPR) and y (TPR) from (0, 0) to (1, 1); NaN rates when a class is absent
     */
    static double[][] curve(List<double[]> pairs) {
        List<double[]> sorted = new ArrayList<>(pairs);
        sorted.sort((a, b) -> Double.compare(b[0], a[0]));
        double positives = sorted.stream().filter(p -> p[1] > 0).count();
        double negatives = sorted.size() - positives;
        List<double[]> points = new ArrayList<>();
        points.add(new double[] {0, 0});
        double tp = 0;
        double fp = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i)[1] > 0) {
                tp++;
            } else {
                fp++;
            }
            if (i + 1 == sorted.size() || sorted.get(i + 1)[0] != sorted.get(i)[0]) {
                points.add(new double[] {fp / negatives, tp / positives});
            }
        }
        double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
        }
        return xy;
    }

    /** The area under a curve from {@link #curve} (trapezoids), NaN when a class is absent. */
    static double auc(double[][] xy) {
        double area = 0;
        for (int i = 1; i < xy[0].length; i++) {
            area += (xy[0][i] - xy[0][i - 1]) * (xy[1][i] + xy[1][i - 1]) / 2;
        }
        return area;
    }
}
