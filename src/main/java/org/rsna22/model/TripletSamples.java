package org.rsna22.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.rsna22.dataset.SliceBoxes;

/**
 * The 2.5D samples of SPEC §4: slices s, s+1, s+2 of a study as the three channels (every start but the
 * last two), tagged with the middle slice. Targets: the union of the boxes of the slices that have one
 * (empty slices do not widen it, unlike the original), ÷ image size, and has_box = any of the three.
 */
public final class TripletSamples {

    /** One triplet: the study and the index of its first slice. */
    public record Ref(int study, int start) {
    }

    /** A loaded sample: channels (3 × size²) normalised, box (4, ÷ size), has_box. */
    public record Sample(float[][] channels, float[] box, boolean hasBox) {
    }

    private final List<SliceBoxes> studies;
    private final List<Ref> refs = new ArrayList<>();
    private final SliceImageCache images;
    private final float[] mean;
    private final float[] std;

    public TripletSamples(List<SliceBoxes> studies, SliceImageCache images, List<Double> mean, List<Double> std) {
        this.studies = studies;
        this.images = images;
        this.mean = new float[] {mean.get(0).floatValue(), mean.get(1).floatValue(), mean.get(2).floatValue()};
        this.std = new float[] {std.get(0).floatValue(), std.get(1).floatValue(), std.get(2).floatValue()};
        for (int i = 0; i < studies.size(); i++) {
            for (int s = 0; s + 2 < studies.get(i).sliceNumbers().length; s++) {
                refs.add(new Ref(i, s));
            }
        }
    }

    /** How many triplets the studies give: every slice start but the last two of each study. */
    public static long count(List<SliceBoxes> studies) {
        return studies.stream().mapToLong(st -> Math.max(0, st.sliceNumbers().length - 2)).sum();
    }

    public SliceImageCache images() {
        return images;
    }

    public List<Ref> refs() {
        return refs;
    }

    public List<SliceBoxes> studies() {
        return studies;
    }

    public int size() {
        return images.size();
    }

    /**
     * Loads a triplet; with an augmenter and random source it is augmented, then normalised. When the image cache
     * tolerates unreadable slices, the nearest readable slice of the triplet stands in for one that cannot be read
     * (its box label stays its own), and a triplet with no readable slice is blank, without a box.
     */
    public Sample load(Ref ref, Augmenter augmenter, Random rnd) throws IOException {
        SliceBoxes st = studies.get(ref.study());
        SliceImageCache.Slice[] read = new SliceImageCache.Slice[3];
        for (int k = 0; k < 3; k++) {
            int number = st.sliceNumbers()[ref.start() + k];
            try {
                read[k] = images.get(st.studyUid(), number);
            } catch (IOException e) {
                if (!images.tolerant()) {
                    throw e;
                }
                images.recordUnreadable(st.studyUid(), number, e);
            }
        }
        if (read[0] == null && read[1] == null && read[2] == null) {
            float[][] blank = new float[3][images.size() * images.size()];
            normalise(blank);
            return new Sample(blank, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, false);
        }
        float[][] ch = new float[3][];
        float[] box = {Float.MAX_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE};
        boolean has = false;
        for (int k = 0; k < 3; k++) {
            int idx = ref.start() + k;
            SliceImageCache.Slice s = nearest(read, k);
            ch[k] = s.pixels().clone();
            if (st.boxes() != null && st.hasBox()[idx]) {
                int[] b = st.boxes()[idx];
                box[0] = Math.min(box[0], (float) b[0] / s.columns());
                box[1] = Math.min(box[1], (float) b[1] / s.rows());
                box[2] = Math.max(box[2], (float) b[2] / s.columns());
                box[3] = Math.max(box[3], (float) b[3] / s.rows());
                has = true;
            }
        }
        if (!has) {
            box = new float[] {0.5f, 0.5f, 0.5f, 0.5f};
        }
        if (augmenter != null) {
            augmenter.apply(ch, images.size(), box, rnd);
        }
        normalise(ch);
        return new Sample(ch, box, has);
    }

    /** Slice k of a triplet, else the nearest one that was read (the earlier one on a tie). */
    static <T> T nearest(T[] read, int k) {
        for (int d = 0; d < read.length; d++) {
            if (k - d >= 0 && read[k - d] != null) {
                return read[k - d];
            }
            if (k + d < read.length && read[k + d] != null) {
                return read[k + d];
            }
        }
        throw new IllegalArgumentException("no slice of the triplet was read");
    }

    private void normalise(float[][] ch) {
        for (int k = 0; k < 3; k++) {
            float[] c = ch[k];
            for (int i = 0; i < c.length; i++) {
                c[i] = (c[i] - mean[k]) / std[k];
            }
        }
    }
}
