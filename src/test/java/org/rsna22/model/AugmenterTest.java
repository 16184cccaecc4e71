package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rsna22.config.BboxConfig.AugmentConfig;

class AugmenterTest {

    /** A Random whose nextDouble() returns the given values in turn. */
    private static Random scripted(double... values) {
        return new Random() {
            private int i;

            @Override
            public double nextDouble() {
                return values[i++];
            }
        };
    }

    /** Three channels of size×size zeros with one 1 at (x, y). */
    private static float[][] dot(int size, int x, int y) {
        float[][] ch = new float[3][size * size];
        for (float[] c : ch) {
            c[y * size + x] = 1;
        }
        return ch;
    }

    @Test
    void horizontalFlipMirrorsImageAndBoxTogether() {
        Augmenter a = new Augmenter(new AugmentConfig(1, 0, 0, 0, 0, 0, 0));
        float[][] ch = dot(4, 1, 2);
        float[] box = {0.1f, 0.2f, 0.3f, 0.4f};
        a.apply(ch, 4, box, scripted(0.0, 0.5, 0.5));
        assertThat(ch[0][2 * 4 + 2]).isEqualTo(1f);   // column 1 → column 2 of 4
        assertThat(ch[2][2 * 4 + 1]).isEqualTo(0f);
        assertThat(box).containsExactly(new float[] {0.7f, 0.2f, 0.9f, 0.4f}, within(1e-6f));
    }

    @Test
    void contrastScalesDeviationsFromTheChannelMean() {
        Augmenter a = new Augmenter(new AugmentConfig(0, 0.2, 1, 0, 0, 0, 0));
        float[][] ch = {{0f, 1f}, {0.5f, 0.5f}, {0.2f, 0.4f}};
        // draws: flip (0.9 ≥ 0: no), contrast (0.0 < 1: yes), factor 1 + (2·1.0 - 1)·0.2 = 1.2, affine (0.9 ≥ 0: no)
        a.apply(ch, 1, new float[4], scripted(0.9, 0.0, 1.0, 0.9));
        assertThat(ch[0]).containsExactly(new float[] {-0.1f, 1.1f}, within(1e-6f));
        assertThat(ch[1]).containsExactly(new float[] {0.5f, 0.5f}, within(1e-6f));
        assertThat(ch[2]).containsExactly(new float[] {0.18f, 0.42f}, within(1e-6f));
    }

    @Test
    void shiftMovesPixelsAndBoxByTheSameAmount() {
        float[][] ch = dot(10, 3, 3);
        float[] box = {0.2f, 0.2f, 0.4f, 0.5f};
        Augmenter.affine(ch, 10, box, 0, 1, 0.1, -0.2);   // +1 pixel in x, -2 in y
        assertThat(ch[1][1 * 10 + 4]).isCloseTo(1f, within(1e-6f));
        assertThat(box).containsExactly(new float[] {0.3f, 0f, 0.5f, 0.3f}, within(1e-6f));
    }

    @Test
    void quarterTurnRotatesPixelsAndBoxCornersAboutTheCentre() {
        // size 10, centre 4.5: a point p goes to (c - (py - c), c + (px - c))
        float[][] ch = dot(10, 7, 2);
        float[] box = {0.5f, 0.1f, 0.9f, 0.3f};
        Augmenter.affine(ch, 10, box, Math.PI / 2, 1, 0, 0);
        assertThat(ch[0][7 * 10 + 7]).isCloseTo(1f, within(1e-5f));   // (7, 2) → (4.5 + 2.5, 4.5 + 2.5)
        // corners x in {0.5, 4.5}, y in {-3.5, -1.5} about the centre → x' in {6, 8}, y' in {5, 9}
        assertThat(box).containsExactly(new float[] {0.6f, 0.5f, 0.8f, 0.9f}, within(1e-5f));
    }

    @Test
    void scalingBeyondTheImageClipsTheBox() {
        float[] box = {0.1f, 0.1f, 0.9f, 0.9f};
        Augmenter.affine(dot(8, 0, 0), 8, box, 0, 1.5, 0, 0);
        assertThat(box).containsExactly(new float[] {0f, 0f, 1f, 1f}, within(1e-6f));
    }
}
