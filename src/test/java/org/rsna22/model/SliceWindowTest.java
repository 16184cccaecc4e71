package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SliceWindowTest {

    @Test
    void windowClipsToLevelAndWidthThenScalesMinToMax() {
        // WL 400 / WW 1800: HU clipped to [-500, 1300], then (v - min) / (max - min)
        float[] w = SliceWindow.window(new short[] {-1000, -500, 400, 1300, 2000, -50}, 400, 1800);
        assertThat(w).containsExactly(0f, 0f, 0.5f, 1f, 1f, 0.25f);
    }

    @Test
    void minMaxUsesTheSliceOwnRange() {
        // all inside the window: min 0, max 200
        assertThat(SliceWindow.window(new short[] {0, 50, 200}, 400, 1800)).containsExactly(0f, 0.25f, 1f);
    }

    @Test
    void fixedScalingUsesTheWindowsBoundsSoAValueMeansTheSameHuInEverySlice() {
        // window 400 ± 900: -500 → 0, 400 → 0.5, 1300 → 1; the slice's own range (0..200) does not matter
        assertThat(SliceWindow.window(new short[] {0, 50, 200}, 400, 1800, false))
                .containsExactly(500f / 1800, 550f / 1800, 700f / 1800);
        assertThat(SliceWindow.window(new short[] {-2000, 400, 3000}, 400, 1800, false)).containsExactly(0f, 0.5f, 1f);
    }

    @Test
    void constantSliceGivesZerosInsteadOfDividingByZero() {
        assertThat(SliceWindow.window(new short[] {-2000, -2000, -2000}, 400, 1800)).containsExactly(0f, 0f, 0f);
    }

    @Test
    void resizeIsBilinearWithPixelCentresAligned() {
        // torch.nn.functional.interpolate([[0, 1], [2, 3]], size=4, mode="bilinear", align_corners=False)
        float[] r = SliceWindow.resize(new float[] {0, 1, 2, 3}, 2, 2, 4);
        assertThat(r).containsExactly(
                0f, 0.25f, 0.75f, 1f,
                0.5f, 0.75f, 1.25f, 1.5f,
                1.5f, 1.75f, 2.25f, 2.5f,
                2f, 2.25f, 2.75f, 3f);
    }

    @Test
    void resizeOfANonSquareImageSamplesEachAxisByItsOwnScale() {
        // 1 row × 4 columns to 2×2: columns at 0.5 and 2.5 → mean of pairs; the single row repeats
        float[] r = SliceWindow.resize(new float[] {0, 2, 4, 6}, 1, 4, 2);
        assertThat(r).containsExactly(1f, 5f, 1f, 5f);
    }
}
