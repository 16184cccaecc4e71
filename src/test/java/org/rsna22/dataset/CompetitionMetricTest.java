package org.rsna22.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompetitionMetricTest {

    private static final int[] A = {1, 1, 0, 0, 0, 0, 0, 0};   // fractured at C1
    private static final int[] B = {0, 0, 0, 0, 0, 0, 0, 0};   // healthy

    private static double[] constant(double p) {
        double[] out = new double[8];
        Arrays.fill(out, p);
        return out;
    }

    @Test
    void perfectPredictionsScoreZero() {
        assertThat(CompetitionMetric.study(A, new double[] {1, 1, 0, 0, 0, 0, 0, 0})).isCloseTo(0, within(1e-12));
    }

    @Test
    void completelyWrongPredictionsScoreMinusLogOfTheClip() {
        // every p = 1 - y, clipped 1e-15 away from the wrong end: -ln(1e-15) = 34.5388 for the two positives (weight
        // 14 + 2); for the six negatives 1 - 1e-15 rounds in double precision, and -ln(1.11e-15) = 34.4342
        double expected = (16 * 34.538776394910684 + 6 * -Math.log(1 - (1 - 1e-15))) / 22;
        assertThat(CompetitionMetric.study(A, new double[] {0, 0, 1, 1, 1, 1, 1, 1})).isCloseTo(expected, within(1e-9));
        assertThat(expected).isBetween(34.5, 34.54);
    }

    @Test
    void constantHalfScoresLnTwoWhateverTheLabels() {
        Map<String, int[]> labels = Map.of("a", A, "b", B);
        CompetitionMetric.Score s = CompetitionMetric.score(labels, Map.of("a", constant(0.5), "b", constant(0.5)));
        assertThat(s.overall()).isCloseTo(Math.log(2), within(1e-12));
        assertThat(s.perLabel().values()).allSatisfy(v -> assertThat(v).isCloseTo(Math.log(2), within(1e-12)));
    }

    @Test
    void positivesWeighTwiceAndPatientOverallSevenTimes() {
        // study A at p = 0.8: weights 14 (overall, positive), 2 (C1, positive), 1 × 6 (negatives)
        // (16 · -ln 0.8 + 6 · -ln 0.2) / 22 = 0.601224
        assertThat(CompetitionMetric.study(A, constant(0.8))).isCloseTo(0.6012238316, within(1e-9));
    }

    @Test
    void scoreIsTheMeanOverStudiesAndPerLabelTheWeightedMean() {
        Map<String, int[]> labels = new LinkedHashMap<>();
        labels.put("a", A);
        labels.put("b", B);
        CompetitionMetric.Score s = CompetitionMetric.score(labels, Map.of("a", constant(0.8), "b", constant(0.1)));
        // study b: all negative at 0.1 → -ln 0.9 = 0.1053605; mean with a's 0.6012238
        assertThat(s.overall()).isCloseTo(0.3532921736, within(1e-9));
        // patient_overall: (14 · -ln 0.8 + 7 · -ln 0.9) / 21; C1: (2 · -ln 0.8 + 1 · -ln 0.9) / 3
        assertThat(s.perLabel().get("patient_overall")).isCloseTo(0.1838825394, within(1e-9));
        assertThat(s.perLabel().get("C1")).isCloseTo(0.1838825394, within(1e-9));
        assertThat(s.perLabel().get("C2")).isCloseTo(-(Math.log(0.2) + Math.log(0.9)) / 2, within(1e-12));
        assertThat(s.studies()).isEqualTo(2);
    }

    @Test
    void prevalenceIsTheMeanLabel() {
        assertThat(CompetitionMetric.prevalence(List.of(A, B, B, B))).containsExactly(0.25, 0.25, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void missingStudiesAndImpossibleProbabilitiesAreRejected() {
        assertThatThrownBy(() -> CompetitionMetric.score(Map.of("a", A, "b", B), Map.of("a", constant(0.5))))
                .hasMessage("study b has labels but no predictions");
        assertThatThrownBy(() -> CompetitionMetric.score(Map.of("a", A), Map.of("a", constant(0.5), "c", constant(0.5))))
                .hasMessage("study c has predictions but no labels");
        assertThatThrownBy(() -> CompetitionMetric.study(A, constant(1.5))).hasMessage("probability 1.5 is outside [0, 1]");
    }
}
