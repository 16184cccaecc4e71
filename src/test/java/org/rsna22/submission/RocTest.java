package org.rsna22.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RocTest {

    @Test
    void perfectRankingHasAreaOne() {
        double[][] c = Roc.curve(List.of(new double[] {0.9, 1}, new double[] {0.8, 1}, new double[] {0.2, 0}));
        assertThat(c[0]).containsExactly(0, 0, 0, 1);
        assertThat(c[1]).containsExactly(0, 0.5, 1, 1);
        assertThat(Roc.auc(c)).isEqualTo(1.0);
    }

    @Test
    void tiesAreOneStepAndCountHalf() {
        // positives 0.7 and 0.4, negatives 0.7 and 0.1: pairs (0.7+,0.7-) tie = 1/2, (0.7+,0.1-) = 1,
        // (0.4+,0.7-) = 0, (0.4+,0.1-) = 1 → 2.5 / 4
        double[][] c = Roc.curve(List.of(new double[] {0.7, 1}, new double[] {0.7, 0}, new double[] {0.4, 1},
                new double[] {0.1, 0}));
        assertThat(c[0]).containsExactly(0, 0.5, 0.5, 1);
        assertThat(c[1]).containsExactly(0, 0.5, 1, 1);
        assertThat(Roc.auc(c)).isCloseTo(0.625, within(1e-12));
    }

    @Test
    void oneClassOnlyHasNoArea() {
        assertThat(Roc.auc(Roc.curve(List.of(new double[] {0.3, 0}, new double[] {0.6, 0})))).isNaN();
    }
}
