package org.rsna22.fracture;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import org.rsna22.config.FractureConfig;
import org.rsna22.model.NoGrad;
import org.rsna22.model.SequenceNet;

/** Prediction with trained fracture-stage models: per-image outputs, image embeddings, study probabilities. */
final class FracturePredictions {

    private static final int EMBED_BATCH = 32;

    private FracturePredictions() {
    }

    /**
     * σ(output) of every image of a crop, averaged over the windows that cover it and over the models:
     * images × outputs values (with an image head, {@link SequenceNet}'s second output follows the first).
     */
    static float[][] perImage(List<Model> models, CropStore crops, StudyCrop crop, int window, int outputs) {
        return perImage(models, crops, crop, window, outputs, 0, 1);
    }

    /**
     * {@link #perImage} with every image's slices moved {@code shift} slices towards the feet (-1, 0 or 1), averaged
     * over the first {@code turns} of the square's symmetries of every window ({@link SequenceTask#turn}: 1, the
     * images as they are; 2, and mirrored left to right; 4, and mirrored top to bottom and both ways; 8, and
     * transposed): test-time augmentation.
     */
    static float[][] perImage(List<Model> models, CropStore crops, StudyCrop crop, int window, int outputs,
                              int shift, int turns) {
        int images = CropStore.images(crop.slices());
        double[][] sum = new double[images][outputs];
        int[] count = new int[images];
        try (NoGrad g = NoGrad.enter()) {
            windows(models, crops, crop, window, outputs, shift, turns, sum, count);
        }
        float[][] out = new float[images][outputs];
        for (int i = 0; i < images; i++) {
            for (int k = 0; k < outputs; k++) {
                out[i][k] = (float) (sum[i][k] / count[i]);
            }
        }
        return out;
    }

    /**
     * Adds σ(output) of every window's images, each of the first {@code turns} symmetries, into {@code sum} and counts
     * the windows of each image. The turns of a window go through the network as one batch.
     */
    private static void windows(List<Model> models, CropStore crops, StudyCrop crop, int window, int outputs, int shift,
                                int turns, double[][] sum, int[] count) {
        int images = CropStore.images(crop.slices());
        int size = crops.size();
        int image = 3 * size * size;
        int turned = window * image;
        for (int first : SequenceTask.windowStarts(images, window)) {
            float[] x = new float[turns * turned];
            float[] pos = new float[turns * window];
            float[] mask = new float[window];
            SequenceTask.fillWindow(crops, crop, first, shift, window, x, pos, mask, 0);
            for (int turn = 1; turn < turns; turn++) {
                System.arraycopy(x, 0, x, turn * turned, turned);
                System.arraycopy(pos, 0, pos, turn * window, window);
                for (int t = 0; t < window; t++) {
                    SequenceTask.turn(x, turn * turned + t * image, 3, size, turn);
                }
            }
            for (Model m : models) {
                try (NDManager nd = m.getNDManager().newSubManager()) {
                    NDList in = new NDList(nd.create(x, new Shape(turns, window, 3, size, size)),
                            nd.create(pos, new Shape(turns, window)));
                    NDList o = m.getBlock().forward(new ParameterStore(nd, false), in, false);
                    float[] z = (o.size() == 1 ? o.singletonOrThrow() : NDArrays.concat(o, -1)).toFloatArray();
                    for (int turn = 0; turn < turns; turn++) {
                        for (int t = 0; t < window && first + t < images; t++) {
                            int at = (turn * window + t) * outputs;
                            for (int k = 0; k < outputs; k++) {
                                sum[first + t][k] += 1 / (1 + Math.exp(-z[at + k]));
                            }
                            count[first + t]++;
                        }
                    }
                }
            }
        }
    }

    /**
     * What the study model reads of every image of a crop, by the slice-fracture models of one fold: the first one's
     * CNN features ({@link #embed}) or, with {@code fracture.study_inputs: scores}, the per-image probabilities
     * averaged over all of them, one per seed ({@link #perImage}).
     * With an image head and {@code image_slices: 1}, where an image shows only its middle slice, the head's score
     * of an image is the maximum over its three slices, each shown in turn: a crack a slice or two thick is not missed
     * for lying outside the middle slices. With {@code study_shares: m2} the first 7 values are the shares that
     * {@code vertebraModels} (M2) give the image instead of M3's vertebra outputs, and the image head's score times
     * each share follows the head's. Every score is the mean over {@code fracture.test_time_turns} symmetries of the
     * image ({@link #perImage}).
     *
     * @param models         the slice-fracture models of one fold, one per seed (at least one)
     * @param vertebraModels the M2 models whose shares are averaged; unused (may be null) unless study_shares is m2
     */
    static StudyEmbedding studyInputs(List<Model> models, List<Model> vertebraModels, CropStore crops, StudyCrop crop,
                                      FractureConfig c) {
        if (!c.studyReadsScores()) {
            return embed(models.get(0), crops, crop);
        }
        int scores = SequenceTask.scoresPerImage(c);
        int turns = c.testTimeTurns();
        float[][] p = perImage(models, crops, crop, c.imagesPerWindow(), scores, 0, turns);
        if (c.imageHead() && c.imageSlices() == 1) {
            for (int shift : new int[] {-1, 1}) {
                float[][] moved = perImage(models, crops, crop, c.imagesPerWindow(), scores, shift, turns);
                for (int i = 0; i < p.length; i++) {
                    p[i][scores - 1] = Math.max(p[i][scores - 1], moved[i][scores - 1]);
                }
            }
        }
        float[][] shares = c.studySharesFromM2()
                ? perImage(vertebraModels, crops, crop, c.imagesPerWindow(), 7, 0, turns) : null;
        int values = SequenceTask.studyInputSize(c);
        float[] flat = new float[p.length * values];
        for (int i = 0; i < p.length; i++) {
            System.arraycopy(p[i], 0, flat, i * values, scores);
            if (shares != null) {
                float head = p[i][scores - 1];
                for (int k = 0; k < 7; k++) {
                    float share = Math.max(0, Math.min(1, shares[i][k])); // as the pseudo-labels clip them
                    flat[i * values + k] = share;
                    flat[i * values + scores + k] = head * share;
                }
            }
        }
        return new StudyEmbedding(crop.studyUid(), p.length, values, flat);
    }

    /** The CNN features of every image of a crop by one slice-fracture model. */
    static StudyEmbedding embed(Model model, CropStore crops, StudyCrop crop) {
        SequenceNet net = (SequenceNet) model.getBlock();
        int images = CropStore.images(crop.slices());
        int size = crops.size();
        int plane = 3 * size * size;
        int features = net.embeddingSize();
        float[] values = new float[images * features];
        try (NoGrad g = NoGrad.enter()) {
            for (int from = 0; from < images; from += EMBED_BATCH) {
                int n = Math.min(EMBED_BATCH, images - from);
                float[] x = new float[n * plane];
                for (int i = 0; i < n; i++) {
                    crops.image(crop, from + i, x, i * plane);
                }
                try (NDManager nd = model.getNDManager().newSubManager()) {
                    NDArray f = net.studyEmbedding(new ParameterStore(nd, false),
                            nd.create(x, new Shape(n, 3, size, size)), false);
                    System.arraycopy(f.toFloatArray(), 0, values, from * features, n * features);
                }
            }
        }
        return new StudyEmbedding(crop.studyUid(), images, features, values);
    }

    /** The 8 probabilities of a study (TARGETS order), averaged over the study models. */
    static double[] study(List<Model> models, StudyEmbedding e, int maxLength) {
        int len = e.fittedLength(maxLength);
        float[] x = Arrays.copyOf(e.fitted(maxLength), maxLength * e.features()); // zero-padded as in training
        float[] mask = new float[maxLength];
        Arrays.fill(mask, 0, len, 1f);
        double[] p = new double[8];
        try (NoGrad g = NoGrad.enter()) {
            addStudy(models, x, mask, maxLength, e.features(), p);
        }
        return p;
    }

    private static void addStudy(List<Model> models, float[] x, float[] mask, int maxLength, int features,
                                 double[] p) {
        for (Model m : models) {
            try (NDManager nd = m.getNDManager().newSubManager()) {
                NDList in = new NDList(nd.create(x, new Shape(1, maxLength, features)),
                        nd.create(mask, new Shape(1, maxLength)));
                float[] z = m.getBlock().forward(new ParameterStore(nd, false), in, false).singletonOrThrow().toFloatArray();
                double[] q = StudyTask.probabilities(z, 0);
                for (int j = 0; j < 8; j++) {
                    p[j] += q[j] / models.size();
                }
            }
        }
    }
}
