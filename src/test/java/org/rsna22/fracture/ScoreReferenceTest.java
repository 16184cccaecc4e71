package org.rsna22.fracture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreReferenceTest {

    /** A study of {@code images} images of 4 values: one other value, then the scores a, b, c (b = a / 2, c = 0.3). */
    private static StudyEmbedding study(String uid, float... head) {
        float[] v = new float[head.length * 4];
        for (int i = 0; i < head.length; i++) {
            v[i * 4] = 7f + i;
            v[i * 4 + 1] = head[i];
            v[i * 4 + 2] = head[i] / 2;
            v[i * 4 + 3] = 0.3f;
        }
        return new StudyEmbedding(uid, head.length, 4, v);
    }

    @Test
    void aStudyMaximumBecomesItsMidRankAmongTheReferenceMaximaAndEveryOtherValueKeepsItsOrder() {
        // maxima of the first score: 0.2, 0.4, 0.4, 0.9 (the images below each maximum are lower)
        List<StudyEmbedding> ref = List.of(study("a", 0.1f, 0.2f), study("b", 0.4f, 0.05f), study("c", 0.4f),
                study("d", 0.3f, 0.9f, 0.6f));
        ScoreReference r = ScoreReference.of(1, 3, ref, "test");
        assertThat(r.place(0, 0.2f)).isCloseTo(0.5 / 4, within(1e-12));
        assertThat(r.place(0, 0.4f)).isCloseTo(2.0 / 4, within(1e-12)); // two equal maxima: ranks 1 and 2, mid 1.5 + 0.5
        assertThat(r.place(0, 0.9f)).isCloseTo(3.5 / 4, within(1e-12));
        // between neighbours: the straight line between their places
        assertThat(r.place(0, 0.3)).isCloseTo((0.5 + 0.5 * (2.0 - 0.5)) / 4, within(1e-6));
        assertThat(r.place(0, 0.65)).isCloseTo((2.0 + 0.5 * (3.5 - 2.0)) / 4, within(1e-6));
        // outside: towards 0 at 0 and towards 1 at 1
        assertThat(r.place(0, 0.0)).isZero();
        assertThat(r.place(0, 0.1)).isCloseTo(0.5 / 4 / 2, within(1e-6));
        assertThat(r.place(0, 1.0)).isCloseTo(1.0, within(1e-12));
        assertThat(r.place(0, 0.95)).isCloseTo(1 - 0.5 / 4 / 2, within(1e-6));
        // a score every study shares (the third, 0.3 everywhere): the middle
        assertThat(r.place(2, 0.3f)).isCloseTo(0.5, within(1e-12));
        // monotone over the whole range
        double last = -1;
        for (int i = 0; i <= 1000; i++) {
            double p = r.place(0, i / 1000.0);
            assertThat(p).isBetween(0.0, 1.0).isGreaterThanOrEqualTo(last);
            last = p;
        }

        StudyEmbedding d = r.apply(ref.get(3));
        assertThat(d.studyUid()).isEqualTo("d");
        float[] v = d.values();
        assertThat(v[0]).isEqualTo(7f); // a value before the scores: as it was
        assertThat(v[4]).isEqualTo(8f);
        assertThat(v[4 * 1 + 1]).isCloseTo(3.5f / 4, within(1e-6f)); // the study's maximum: its mid-rank
        assertThat(v[1]).isCloseTo((float) r.place(0, 0.3f), within(1e-7f));
        assertThat(v[4 * 1 + 2]).isCloseTo((float) r.place(1, 0.45f), within(1e-7f));
        assertThat(ref.get(3).values()[1]).isEqualTo(0.3f); // the input is not changed
    }

    @Test
    void theMaximumOfThePlacesIsThePlaceOfTheMaximum() {
        Random random = new Random(5);
        List<StudyEmbedding> ref = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            float[] head = new float[1 + random.nextInt(20)];
            for (int i = 0; i < head.length; i++) {
                head[i] = random.nextFloat() * (s % 2 == 0 ? 0.6f : 1f);
            }
            ref.add(study("s" + s, head));
        }
        ScoreReference r = ScoreReference.of(1, 3, ref, "test");
        for (StudyEmbedding e : ref) {
            float max = Float.NEGATIVE_INFINITY;
            float placedMax = Float.NEGATIVE_INFINITY;
            StudyEmbedding p = r.apply(e);
            for (int i = 0; i < e.images(); i++) {
                max = Math.max(max, e.values()[i * 4 + 1]);
                placedMax = Math.max(placedMax, p.values()[i * 4 + 1]);
            }
            assertThat((double) placedMax).isCloseTo(r.place(0, max), within(1e-6));
        }
    }

    @Test
    void noStudyOrTooFewValuesIsAnErrorNamingTheModel() {
        assertThatThrownBy(() -> ScoreReference.of(15, 8, List.of(), "the slice-fracture model of fold 2"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fold 2")
                .hasMessageContaining("study_scores: quantile");
        assertThatThrownBy(() -> ScoreReference.of(15, 8, List.of(study("short", 0.5f)), "m3"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short").hasMessageContaining("23");
    }
}
