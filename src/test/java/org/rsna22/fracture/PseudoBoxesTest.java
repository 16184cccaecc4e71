package org.rsna22.fracture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.dataset.CsvFiles;

/** Which slices a crack finder's scores make a study's crack slices, and M3's targets with them. */
class PseudoBoxesTest {

    /**
     * 12 slices numbered 101..112: C2 on slices 0-4 (share 0.8), slice 5 C2 by 0.2 only (below the minimum), C3 on
     * 6-11 (0.9; slice 6 also C2 by 0.3, less than C3).
     */
    private static Map<Integer, float[]> targets(int[] labels) {
        Map<Integer, float[]> t = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            float[] v = new float[FractureModels.SLICE_OUTPUTS];
            v[1] = i < 5 ? 0.8f : i == 5 ? 0.2f : i == 6 ? 0.3f : 0;
            v[2] = i >= 6 ? 0.9f : 0;
            for (int k = 0; k < 7; k++) {
                v[7 + k] = v[k] * labels[1 + k];
                v[14] = Math.max(v[14], v[7 + k]);
            }
            t.put(101 + i, v);
        }
        return t;
    }

    private static final int[] SLICES = {101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112};

    @Test
    void theBestSliceOfEachFracturedVertebraAndItsNeighboursScoredAtLeastHalfAsHigh() {
        int[] labels = {1, 0, 1, 1, 0, 0, 0, 0}; // C2 and C3 fractured
        float[] scores = {0.1f, 0.3f, 0.8f, 0.5f, 0.39f, 0.95f, 0.2f, 0.2f, 0.6f, 0.1f, 0.7f, 0.6f};
        Map<Integer, Float> found = PseudoBoxes.locate(SLICES, scores, targets(labels), labels);
        // C2 (slices 0-4; slice 5 scores 0.95 but is C2 by 0.2 only): the best is 2 (0.8), 3 (0.5) is
        // neighbour enough, 1 (0.3) and 4 (0.39) are not; C3 (6-11): best 10 (0.7), 11 (0.6) beside it, 9 (0.1)
        // stops the way to 8 (0.6)
        assertThat(found).containsOnlyKeys(103, 104, 111, 112);
        assertThat(found.get(103)).isEqualTo(0.8f);
    }

    @Test
    void aStudyWithAFracturedVertebraThatM2PlacesNowhereIsNotLocated() {
        int[] labels = {1, 0, 1, 0, 1, 0, 0, 0}; // C2 and C4: no slice is C4's
        float[] scores = new float[12];
        java.util.Arrays.fill(scores, 0.5f);
        assertThat(PseudoBoxes.locate(SLICES, scores, targets(labels), labels)).isNull();
        int[] c2 = {1, 0, 1, 0, 0, 0, 0, 0};
        assertThat(PseudoBoxes.locate(SLICES, scores, targets(c2), c2)).as("equal scores: the first best, all "
                + "neighbours").containsOnlyKeys(101, 102, 103, 104, 105);
    }

    @Test
    void eachSliceTakesTheScoreOfTheImageWhoseMiddleSliceItIs() {
        // images 0..2 of 8 slices; shift -1 shows slice 3i, shift 0 slice 3i+1, shift 1 slice 3i+2
        float[][] byShift = {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}};
        assertThat(PseudoBoxes.perSlice(byShift, 8)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void locatedSlicesKeepTheFractureTargetsAndTheRestLoseThemAsABoxsSlicesDo(@TempDir Path tmp) throws IOException {
        int[] labels = {1, 0, 1, 1, 0, 0, 0, 0};
        Map<String, Map<Integer, float[]>> targets = new HashMap<>();
        targets.put("a", targets(labels));
        targets.put("b", targets(labels));
        Path csv = tmp.resolve("pseudo_boxes.csv.gz");
        CsvFiles.writeGz(csv, PseudoBoxes.HEADER, List.of("0,a,103,0.8000", "0,a,111,0.7000", "1,b,102,0.9000"));
        Map<String, List<Integer>> fold0 = PseudoBoxes.read(csv, 0);
        assertThat(fold0).containsOnlyKeys("a");
        assertThat(PseudoBoxes.read(csv, 1)).containsOnlyKeys("b");
        assertThat(PseudoBoxes.read(tmp.resolve("none.csv.gz"), 0)).isEmpty();

        Map<String, Map<Integer, float[]>> out = PseudoBoxes.apply(targets, fold0);
        for (int n : SLICES) {
            float[] before = targets.get("a").get(n);
            float[] after = out.get("a").get(n);
            for (int k = 0; k < 7; k++) {
                assertThat(after[k]).as("share C" + (k + 1) + " of slice " + n).isEqualTo(before[k]);
            }
            for (int k = 7; k < 15; k++) {
                assertThat(after[k]).as("target " + k + " of slice " + n)
                        .isEqualTo(n == 103 || n == 111 ? before[k] : 0f);
            }
            assertThat(out.get("b").get(n)).as("another study is as it was").isSameAs(targets.get("b").get(n));
        }
        assertThat(out.get("a").get(103)[14]).isPositive();
        assertThat(targets.get("a").get(101)[8]).as("the input is not changed").isPositive();
    }
}
