package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ValidationMetricsTest {

    @Test
    void iouOfIdenticalBoxesIsOneAndOfDisjointBoxesZero() {
        float[] box = {0.1f, 0.2f, 0.5f, 0.6f};
        assertThat(ValidationMetrics.iou(box, box, 0)).isCloseTo(1, within(1e-6));
        assertThat(ValidationMetrics.iou(new float[] {0.6f, 0.7f, 0.8f, 0.9f}, box, 0)).isZero();
    }

    @Test
    void iouOfHalfShiftedBoxesIsOneThird() {
        // overlap 0.25 × 1, union 0.75 × 1; the prediction's corners may come in any order
        float[] truth = {0f, 0f, 0f, 0f, 0.25f, 0f, 0.75f, 1f};
        assertThat(ValidationMetrics.iou(new float[] {9, 9, 9, 9, 0f, 0f, 0.5f, 1f}, truth, 1)).isCloseTo(1 / 3.0, within(1e-6));
        assertThat(ValidationMetrics.iou(new float[] {9, 9, 9, 9, 0.5f, 1f, 0f, 0f}, truth, 1)).isCloseTo(1 / 3.0, within(1e-6));
    }

    @Test
    void aucCountsCorrectlyOrderedPairs() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        List<double[]> scored = List.of(new double[] {0.1, 0}, new double[] {0.4, 0}, new double[] {0.35, 1},
                new double[] {0.8, 1});
        assertThat(ValidationMetrics.auc(scored)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void tiedScoresCountHalf() {
        List<double[]> scored = List.of(new double[] {0.5, 0}, new double[] {0.5, 1}, new double[] {0.9, 1});
        // pairs (neg, pos): (0.5, 0.5) → 0.5, (0.5, 0.9) → 1
        assertThat(ValidationMetrics.auc(scored)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void aucOfOneClassIsUndefined() {
        assertThat(ValidationMetrics.auc(List.of(new double[] {0.2, 1}, new double[] {0.3, 1}))).isNaN();
    }

    @Test
    void theAucIntervalOfPerfectlySeparatedScoresIsOneAndOfOneClassUndefined() {
        List<double[]> scored = scored(10, 134, 10.0, new SplittableRandom(1));
        assertThat(ValidationMetrics.aucInterval(scored, 500, 0)).containsExactly(1.0, 1.0);
        assertThat(ValidationMetrics.aucInterval(List.of(new double[] {0.2, 1}, new double[] {0.3, 1}), 500, 0))
                .isNull();
    }

    @Test
    void theAucIntervalHoldsTheAucIsRepeatableAndNarrowsWithMorePositives() {
        // scores: positives one standard deviation above the negatives (true AUC Φ(1/√2) ≈ 0.76)
        List<double[]> few = scored(10, 134, 1.0, new SplittableRandom(7));
        double auc = ValidationMetrics.auc(few);
        double[] interval = ValidationMetrics.aucInterval(few, 2000, 3);
        assertThat(interval[0]).isLessThan(auc);
        assertThat(interval[1]).isGreaterThan(auc);
        assertThat(interval[1] - interval[0]).as("ten positives: an AUC is known to about ±0.1").isGreaterThan(0.15);
        assertThat(ValidationMetrics.aucInterval(few, 2000, 3)).containsExactly(interval);
        assertThat(ValidationMetrics.aucInterval(few, 2000, 4)).isNotEqualTo(interval);

        double[] many = ValidationMetrics.aucInterval(scored(400, 1000, 1.0, new SplittableRandom(7)), 2000, 3);
        assertThat(many[1] - many[0]).isLessThan((interval[1] - interval[0]) / 3);
        assertThat(many[0]).isLessThan(0.76);
        assertThat(many[1]).isGreaterThan(0.76);
    }

    /** {@code positives} scores drawn from N(shift, 1), {@code negatives} from N(0, 1), as {score, label}. */
    private static List<double[]> scored(int positives, int negatives, double shift, SplittableRandom random) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < positives + negatives; i++) {
            boolean positive = i < positives;
            out.add(new double[] {gaussian(random) + (positive ? shift : 0), positive ? 1 : 0});
        }
        return out;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
