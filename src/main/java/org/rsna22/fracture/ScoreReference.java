package org.rsna22.fracture;

import java.util.Arrays;
import java.util.List;

/**
 * What one slice-fracture model's (M3's) scores mean, for {@code fracture.study_scores: quantile}: for each score that
 * the study model reads through its maximum over a study's images (the crack head's, then the head times M2's share
 * of C1..C7), the maxima this M3 gave the training studies it scored out of fold. {@link #apply} replaces each such
 * score of every image by its place in that distribution, from 0 to 1: a monotone map, so the maximum over a study's
 * images is the place of the study's maximum.
 *
 * <p>Why: two M3s of one recipe trained on different folds put their scores on different scales (on 144 phantoms a
 * clean study's maximum crack score averaged 0.56 under one fold's M3 and 0.90 under the other's), while the study
 * model of one fold learns its scale and offset from the studies of the other folds, scored by their own M3s. Read
 * as places among the same model's maxima, a score means the same whichever M3 made it. Labels are not used: the
 * reference is the unlabelled distribution, and a test study is placed among the same training maxima as the
 * training studies were.
 */
final class ScoreReference {

    private final int first;
    /** Per score, the sorted study maxima. */
    private final float[][] sorted;
    /** Per score, the mid-rank place of each sorted maximum ((below + equal / 2) / n). */
    private final double[][] midRanks;

    private ScoreReference(int first, float[][] sorted) {
        this.first = first;
        this.sorted = sorted;
        this.midRanks = new double[sorted.length][];
        for (int c = 0; c < sorted.length; c++) {
            float[] r = sorted[c];
            midRanks[c] = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                midRanks[c][i] = (lowerBound(r, r[i]) + upperBound(r, r[i])) / (2.0 * r.length);
            }
        }
    }

    /**
     * The reference of the studies an M3 scored out of fold.
     *
     * @param first    the index of the first score (the crack head's) in every image's vector
     * @param scores   how many scores from {@code first} on (8: the head's and C1..C7's)
     * @param studies  the M3's embeddings of those studies
     * @param what     names the M3 in an error
     */
    static ScoreReference of(int first, int scores, List<StudyEmbedding> studies, String what) {
        if (studies.isEmpty()) {
            throw new IllegalStateException(what + " scored no training study out of fold: its scores have no "
                    + "reference for fracture.study_scores: quantile");
        }
        float[][] sorted = new float[scores][studies.size()];
        for (int s = 0; s < studies.size(); s++) {
            StudyEmbedding e = studies.get(s);
            if (e.features() < first + scores) {
                throw new IllegalArgumentException("the embedding of " + e.studyUid() + " has " + e.features()
                        + " values per image, not the " + (first + scores) + " that fracture.study_scores: quantile "
                        + "reads");
            }
            for (int c = 0; c < scores; c++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < e.images(); i++) {
                    max = Math.max(max, e.values()[i * e.features() + first + c]);
                }
                sorted[c][s] = max;
            }
        }
        for (float[] column : sorted) {
            Arrays.sort(column);
        }
        return new ScoreReference(first, sorted);
    }

    /** The embedding with every image's scores replaced by their places ({@link #place}); the other values as they are. */
    StudyEmbedding apply(StudyEmbedding e) {
        float[] v = e.values().clone();
        for (int i = 0; i < e.images(); i++) {
            for (int c = 0; c < sorted.length; c++) {
                int at = i * e.features() + first + c;
                v[at] = (float) place(c, v[at]);
            }
        }
        return new StudyEmbedding(e.studyUid(), e.images(), e.features(), v);
    }

    /**
     * The place of a probability among the reference maxima of score {@code c}: a value equal to reference maxima gets
     * their mid-rank ((below + equal / 2) / n), one between two neighbours the straight line between theirs; below the
     * smallest the line from (0, 0), above the largest the line to (1, 1). Continuous and monotone, from 0 to 1.
     */
    double place(int c, double v) {
        float[] r = sorted[c];
        double[] mid = midRanks[c];
        int n = r.length;
        int below = lowerBound(r, v);
        if (upperBound(r, v) > below) {
            return mid[below];
        }
        if (below == 0) {
            return r[0] <= 0 ? 0 : mid[0] * Math.max(0, v) / r[0];
        }
        if (below == n) {
            double top = r[n - 1];
            return top >= 1 ? 1 : 1 - (1 - mid[n - 1]) * Math.max(0, 1 - v) / (1 - top);
        }
        double a = r[below - 1];
        return mid[below - 1] + (v - a) / (r[below] - a) * (mid[below] - mid[below - 1]);
    }

    /** How many values are below {@code v}. */
    private static int lowerBound(float[] r, double v) {
        int lo = 0;
        int hi = r.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** How many values are at most {@code v}. */
    private static int upperBound(float[] r, double v) {
        int lo = 0;
        int hi = r.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
