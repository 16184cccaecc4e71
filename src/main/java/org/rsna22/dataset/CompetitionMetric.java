package org.rsna22.dataset;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The competition metric (SPEC §2): for each study 8 predictions (patient_overall, C1..C7) with weights that depend
 * on the true label (patient_overall 7 negative / 14 positive, a vertebra 1 / 2); per study
 * {@code sum_j w_j·BCE(y_j, p_j) / sum_j w_j} with p clipped to [1e-15, 1 - 1e-15]; the score is the mean over
 * studies. Per label it reports the weighted mean of that label's BCE over studies (sklearn's weighted log_loss).
 */
public final class CompetitionMetric {

    /** The 8 targets in the order of every array here and of oof_study_pred_v01's columns. */
    public static final List<String> TARGETS = List.of("patient_overall", "C1", "C2", "C3", "C4", "C5", "C6", "C7");
    private static final double EPS = 1e-15;

    /** The metric overall, per label (TARGETS order) and the number of studies. */
    public record Score(double overall, Map<String, Double> perLabel, int studies) {
    }

    private CompetitionMetric() {
    }

    /** Weight of target j (0 = patient_overall) for a true label y. */
    public static double weight(int j, int y) {
        return (j == 0 ? 7 : 1) * (y > 0 ? 2 : 1);
    }

    /** Binary cross-entropy with p clipped to [1e-15, 1 - 1e-15]. */
    public static double bce(int y, double p) {
        double q = Math.min(1 - EPS, Math.max(EPS, p));
        return y > 0 ? -Math.log(q) : -Math.log(1 - q);
    }

    /** The weighted loss of one study: y and p in TARGETS order. */
    public static double study(int[] y, double[] p) {
        check(y, p);
        double num = 0;
        double den = 0;
        for (int j = 0; j < TARGETS.size(); j++) {
            double w = weight(j, y[j]);
            num += w * bce(y[j], p[j]);
            den += w;
        }
        return num / den;
    }

    /**
     * Scores predictions against labels, both keyed by StudyInstanceUID with arrays in TARGETS order; every study of
     * one must be in the other.
     */
    public static Score score(Map<String, int[]> labels, Map<String, double[]> predictions) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no study to score");
        }
        for (String uid : predictions.keySet()) {
            if (!labels.containsKey(uid)) {
                throw new IllegalArgumentException("study " + uid + " has predictions but no labels");
            }
        }
        double sum = 0;
        double[] num = new double[TARGETS.size()];
        double[] den = new double[TARGETS.size()];
        for (Map.Entry<String, int[]> e : labels.entrySet()) {
            double[] p = predictions.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("study " + e.getKey() + " has labels but no predictions");
            }
            int[] y = e.getValue();
            sum += study(y, p);
            for (int j = 0; j < TARGETS.size(); j++) {
                double w = weight(j, y[j]);
                num[j] += w * bce(y[j], p[j]);
                den[j] += w;
            }
        }
        Map<String, Double> perLabel = new LinkedHashMap<>();
        for (int j = 0; j < TARGETS.size(); j++) {
            perLabel.put(TARGETS.get(j), num[j] / den[j]);
        }
        return new Score(sum / labels.size(), perLabel, labels.size());
    }

    /** The label arrays of train.csv rows, in TARGETS order. */
    public static int[] targets(StudyLabels s) {
        int[] y = new int[TARGETS.size()];
        y[0] = s.patientOverall();
        System.arraycopy(s.vertebrae(), 0, y, 1, 7);
        return y;
    }

    /** The prevalence of each target over the given studies, in TARGETS order: the constant baseline. */
    public static double[] prevalence(Iterable<int[]> labels) {
        double[] p = new double[TARGETS.size()];
        int n = 0;
        for (int[] y : labels) {
            for (int j = 0; j < p.length; j++) {
                p[j] += y[j];
            }
            n++;
        }
        for (int j = 0; j < p.length; j++) {
            p[j] /= Math.max(1, n);
        }
        return p;
    }

    private static void check(int[] y, double[] p) {
        if (y.length != TARGETS.size() || p.length != TARGETS.size()) {
            throw new IllegalArgumentException("a study needs " + TARGETS.size() + " labels and predictions, got "
                    + y.length + " and " + p.length);
        }
        for (double v : p) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("probability " + v + " is outside [0, 1]");
            }
        }
    }
}
