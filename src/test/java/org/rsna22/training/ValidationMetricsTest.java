package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
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
}
