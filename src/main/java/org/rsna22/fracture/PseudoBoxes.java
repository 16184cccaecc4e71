package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rsna22.dataset.CsvFiles;

/**
 * Self-training for fractured studies without crack boxes ({@code fracture.pseudo_boxes}): which slices of such a
 * study a crack finder (a first M3) locates its cracks on, and M3's targets with those slices taken as a box's.
 *
 * <p>In each fractured vertebra (the slices that M2 gives to it more than to any other vertebra, with a share of at
 * least {@link #MIN_SHARE}) the slice the crack head scores highest is a crack slice, and so are the slices next to
 * it, on either side without a gap, that it scores at least {@link #NEIGHBOUR_SHARE} as high and that still lie in
 * the vertebra. A study is located only when every fractured vertebra has its slices: one whose vertebra M2 gives no
 * slice keeps its bags.
 */
public final class PseudoBoxes {

    static final String HEADER = "fold,StudyInstanceUID,slice_number,score";
    /** A neighbour of the best slice is a crack slice when scored at least this share of the best's score. */
    static final float NEIGHBOUR_SHARE = 0.5f;
    /** A slice belongs to the vertebra M2 gives it most of, when that share is at least this. */
    static final float MIN_SHARE = 0.25f;

    private PseudoBoxes() {
    }

    /**
     * The crack slices of one study, by slice number with the head's score, or null when some fractured vertebra has
     * no slice.
     *
     * @param sliceNumbers the crop's slice numbers, in crop order
     * @param scores       the crack head's score of every crop slice (same order)
     * @param targets      the study's pseudo-labels by slice number (C1..C7 shares first); a slice missing has none
     * @param labels       the study's labels, TARGETS order (patient_overall, C1..C7)
     */
    static Map<Integer, Float> locate(int[] sliceNumbers, float[] scores, Map<Integer, float[]> targets, int[] labels) {
        Map<Integer, Float> out = new TreeMap<>();
        for (int k = 0; k < 7; k++) {
            if (labels[1 + k] != 1) {
                continue;
            }
            boolean[] in = new boolean[sliceNumbers.length];
            int best = -1;
            for (int i = 0; i < sliceNumbers.length; i++) {
                float[] t = targets.get(sliceNumbers[i]);
                in[i] = t != null && t[k] >= MIN_SHARE && isLargest(t, k);
                if (in[i] && (best < 0 || scores[i] > scores[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                return null;
            }
            out.put(sliceNumbers[best], scores[best]);
            for (int step : new int[] {-1, 1}) {
                for (int i = best + step; i >= 0 && i < in.length && in[i]
                        && scores[i] >= NEIGHBOUR_SHARE * scores[best]; i += step) {
                    out.put(sliceNumbers[i], scores[i]);
                }
            }
        }
        return out;
    }

    /** Whether share k is the largest of the seven (ties go to the first). */
    private static boolean isLargest(float[] t, int k) {
        for (int j = 0; j < 7; j++) {
            if (t[j] > t[k] || t[j] == t[k] && j < k) {
                return false;
            }
        }
        return true;
    }

    /** The crack head's score of every slice of a crop: slice i is the middle slice of image i / 3 moved i % 3 - 1. */
    static float[] perSlice(float[][] byShift, int slices) {
        float[] out = new float[slices];
        for (int i = 0; i < slices; i++) {
            out[i] = byShift[i % 3][i / 3];
        }
        return out;
    }

    /** The located studies of one fold's crack finder: per study, its crack slices. */
    static Map<String, List<Integer>> read(Path csv, int fold) throws IOException {
        Map<String, List<Integer>> out = new HashMap<>();
        if (!Files.isRegularFile(csv)) {
            return out;
        }
        for (List<String> f : CsvFiles.readGz(csv)) {
            if (Integer.parseInt(f.get(0)) == fold) {
                out.computeIfAbsent(f.get(1), u -> new ArrayList<>()).add(Integer.parseInt(f.get(2)));
            }
        }
        return out;
    }

    /**
     * M3's targets with each located study's crack slices taken as a box's (as {@link PseudoLabelsTasklet} takes
     * train_bounding_boxes.csv's with image_slices 1): its fracture targets (C*_frac, any) stay only on those slices;
     * the shares and every other study are as they were. {@code targets} is not changed.
     */
    static Map<String, Map<Integer, float[]>> apply(Map<String, Map<Integer, float[]>> targets,
                                                    Map<String, List<Integer>> located) {
        Map<String, Map<Integer, float[]>> out = new HashMap<>(targets);
        for (Map.Entry<String, List<Integer>> e : located.entrySet()) {
            Map<Integer, float[]> study = targets.get(e.getKey());
            if (study == null) {
                continue;
            }
            Map<Integer, float[]> changed = new HashMap<>();
            for (Map.Entry<Integer, float[]> s : study.entrySet()) {
                float[] v = s.getValue().clone();
                if (!e.getValue().contains(s.getKey())) {
                    for (int k = 7; k < v.length; k++) {
                        v[k] = 0;
                    }
                }
                changed.put(s.getKey(), v);
            }
            out.put(e.getKey(), changed);
        }
        return out;
    }
}
