package org.rsna22.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rsna22.config.InferBboxConfig;

class StudyBoxAggregatorTest {

    private static final InferBboxConfig SPEC = new InferBboxConfig(8, 4, 1, 0.5, 5, 3, 0.1);

    /** Ten slices numbered 11..20, 100 rows × 200 columns, with the given p(has_box); boxes of slices 14 and 15. */
    private static List<SlicePrediction> study(double... p) {
        List<SlicePrediction> out = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            double[] box = i == 3 ? new double[] {0.125, 0.25, 0.25, 0.375}
                    : i == 4 ? new double[] {0.0625, 0.3125, 0.375, 0.3125} : new double[] {0.9, 0.9, 0.95, 0.95};
            out.add(new SlicePrediction("1.2.3", 11 + i, p[i], box[0], box[1], box[2], box[3], 100, 200));
        }
        return out;
    }

    @Test
    void studyBoxIsTheFlooredAndCeiledUnionOfConfidentSlices() {
        StudyBox box = new StudyBoxAggregator(SPEC).aggregate(study(0, 0, 0, 0.6, 0.9, 0.2, 0, 0, 0, 0), 20);
        // x: min 0.0625·200 = 12.5 → 12, max 0.375·200 = 75; y: min 0.25·100 = 25, max 0.375·100 = 37.5 → 38;
        // slice 16 (p 0.2) is not above 0.5, so its box does not count
        assertThat(box).isEqualTo(new StudyBox("1.2.3", 12, 25, 75, 38, 12, 17, 20));
    }

    @Test
    void rollingMeanIsCentredWithAtLeastThreeValues() {
        double[] m = new StudyBoxAggregator(SPEC).rollingMean(study(0, 0, 0, 0.6, 0.9, 0.2, 0, 0, 0, 0));
        // pandas: Series(p).rolling(5, center=True, min_periods=3).mean()
        double[] expected = {0, 0.15, 0.3, 0.34, 0.34, 0.34, 0.22, 0.04, 0, 0};
        for (int i = 0; i < expected.length; i++) {
            assertThat(m[i]).as("slice %d", i).isCloseTo(expected[i], within(1e-12));
        }
    }

    @Test
    void sliceRangeRunsFromTheFirstToTheLastMeanAboveTheThreshold() {
        // means above 0.1 at positions 1..6 → slices 12..17
        StudyBox box = new StudyBoxAggregator(SPEC).aggregate(study(0, 0, 0, 0.6, 0.9, 0.2, 0, 0, 0, 0), 20);
        assertThat(box.slnumFrom()).isEqualTo(12);
        assertThat(box.slnumTo()).isEqualTo(17);
    }

    @Test
    void noConfidentSliceGivesTheWholeImageAndTheWholeStudy() {
        StudyBox box = new StudyBoxAggregator(SPEC).aggregate(study(0, 0.05, 0, 0, 0, 0, 0, 0, 0, 0), 25);
        assertThat(box).isEqualTo(new StudyBox("1.2.3", 0, 0, 199, 99, 11, 20, 25));
    }

    @Test
    void boxesBeyondTheImageAreClipped() {
        List<SlicePrediction> s = List.of(new SlicePrediction("u", 1, 0.9, -0.2, -0.1, 1.3, 1.01, 64, 32),
                new SlicePrediction("u", 2, 0.9, 0.5, 0.5, 0.6, 0.6, 64, 32),
                new SlicePrediction("u", 3, 0.9, 0.5, 0.5, 0.6, 0.6, 64, 32));
        StudyBox box = new StudyBoxAggregator(SPEC).aggregate(s, 3);
        assertThat(box).isEqualTo(new StudyBox("u", 0, 0, 31, 63, 1, 3, 3));
    }
}
