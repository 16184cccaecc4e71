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
        return perImage(models, crops, crop, window, outputs, shift, turns, true);
    }

    /**
     * {@link #perImage}; without {@code sequence} only the image head's values of a {@link SequenceNet} are computed
     * (the others stay 0), its CNN and head once per image.
     */
    private static float[][] perImage(List<Model> models, CropStore crops, StudyCrop crop, int window, int outputs,
                                      int shift, int turns, boolean sequence) {
        int images = CropStore.images(crop.slices());
        double[][] sum = new double[images][outputs];
        int[] count = new int[images];
        try (NoGrad g = NoGrad.enter()) {
            for (Model m : models) {
                if (m.getBlock() instanceof SequenceNet net) {
                    imagesOnce(m, net, crops, crop, window, outputs, shift, turns, sequence, sum, count);
                } else { // a block that is not a SequenceNet (a test's stand-in) runs on whole windows of images
                    windows(m, crops, crop, window, outputs, shift, turns, sum, count);
                }
            }
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
     * The image head's score of every image of a crop ({@code outputs} values per image, the head's last), its slices
     * moved {@code shift} slices, averaged over the models and {@code turns} symmetries.
     */
    static float[] headScores(List<Model> models, CropStore crops, StudyCrop crop, int window, int outputs, int shift,
                              int turns) {
        float[][] p = perImage(models, crops, crop, window, outputs, shift, turns, false);
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i][outputs - 1];
        }
        return out;
    }

    /**
     * Adds σ(output) of every window's images by one model, each of the first {@code turns} symmetries, into
     * {@code sum} and counts the windows of each image: {@link SequenceNet} in evaluation gives an image the same
     * CNN features in every window, so the CNN (and the image head) run once per image and symmetry and only the
     * sequence part runs per window (the same values as whole windows up to rounding, in a third to a half of the
     * time). Without {@code sequence} only the image head's values are added, once per image and symmetry.
     */
    private static void imagesOnce(Model m, SequenceNet net, CropStore crops, StudyCrop crop, int window, int outputs,
                                   int shift, int turns, boolean sequence, double[][] sum, int[] count) {
        int images = CropStore.images(crop.slices());
        int f = net.features();
        int e = net.embeddingSize();
        int heads = e - f;
        int sequenceOutputs = outputs - heads;
        float[][] embedded = embeddings(m, net, crops, crop, window, shift, turns);
        List<Integer> starts = SequenceTask.windowStarts(images, window);
        for (float[] emb : embedded) {
            if (!sequence) {
                for (int img = 0; img < images; img++) {
                    addSigmoids(emb, img * e + f, heads, sum[img], sequenceOutputs);
                    count[img]++;
                }
                continue;
            }
            float[] x = new float[starts.size() * window * f];
            float[] pos = new float[starts.size() * window];
            for (int w = 0; w < starts.size(); w++) {
                for (int t = 0; t < window; t++) { // past the end the last image repeats, as in SequenceTask.fillWindow
                    int img = Math.min(images - 1, starts.get(w) + t);
                    System.arraycopy(emb, img * e, x, (w * window + t) * f, f);
                    pos[w * window + t] = img;
                }
            }
            float[] z;
            try (NDManager nd = m.getNDManager().newSubManager()) {
                z = net.sequence(new ParameterStore(nd, false), nd.create(x, new Shape(starts.size(), window, f)),
                        nd.create(pos, new Shape(starts.size(), window)), false).toFloatArray();
            }
            for (int w = 0; w < starts.size(); w++) {
                for (int t = 0; t < window && starts.get(w) + t < images; t++) {
                    int img = starts.get(w) + t;
                    addSigmoids(z, (w * window + t) * sequenceOutputs, sequenceOutputs, sum[img], 0);
                    addSigmoids(emb, img * e + f, heads, sum[img], sequenceOutputs);
                    count[img]++;
                }
            }
        }
    }

    private static void addSigmoids(float[] z, int from, int n, double[] sum, int to) {
        for (int k = 0; k < n; k++) {
            sum[to + k] += 1 / (1 + Math.exp(-z[from + k]));
        }
    }

    /**
     * {@link SequenceNet#studyEmbedding} of every image of a crop, its slices moved {@code shift} slices, for each of
     * the first {@code turns} symmetries: [turn][image × embeddingSize]. {@code batch} images with all their turns
     * go through the network at once.
     */
    private static float[][] embeddings(Model m, SequenceNet net, CropStore crops, StudyCrop crop, int batch,
                                        int shift, int turns) {
        int images = CropStore.images(crop.slices());
        int size = crops.size();
        int plane = 3 * size * size;
        int e = net.embeddingSize();
        float[][] out = new float[turns][images * e];
        for (int from = 0; from < images; from += batch) {
            int n = Math.min(batch, images - from);
            float[] x = new float[turns * n * plane];
            for (int i = 0; i < n; i++) {
                crops.image(crop, from + i, shift, x, i * plane);
            }
            addTurns(x, n, size, turns);
            try (NDManager nd = m.getNDManager().newSubManager()) {
                float[] v = net.studyEmbedding(new ParameterStore(nd, false),
                        nd.create(x, new Shape(turns * n, 3, size, size)), false).toFloatArray();
                for (int turn = 0; turn < turns; turn++) {
                    System.arraycopy(v, turn * n * e, out[turn], from * e, n * e);
                }
            }
        }
        return out;
    }

    /**
     * Fills turn slots 1..turns-1 of {@code x}: the first {@code images} images (3 planes of size×size each) copied
     * after themselves once per turn, each copy turned by that turn's symmetry ({@link SequenceTask#turn}).
     */
    private static void addTurns(float[] x, int images, int size, int turns) {
        int plane = 3 * size * size;
        for (int turn = 1; turn < turns; turn++) {
            System.arraycopy(x, 0, x, turn * images * plane, images * plane);
            for (int i = 0; i < images; i++) {
                SequenceTask.turn(x, (turn * images + i) * plane, 3, size, turn);
            }
        }
    }

    /**
     * Adds σ(output) of every window's images by one model, each of the first {@code turns} symmetries, into
     * {@code sum} and counts the windows of each image; the turns of a window go through the network as one batch.
     * For blocks that are not a {@link SequenceNet}.
     */
    private static void windows(Model m, CropStore crops, StudyCrop crop, int window, int outputs, int shift,
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
            addTurns(x, window, size, turns);
            for (int turn = 1; turn < turns; turn++) {
                System.arraycopy(pos, 0, pos, turn * window, window);
            }
            try (NDManager nd = m.getNDManager().newSubManager()) {
                NDList in = new NDList(nd.create(x, new Shape(turns, window, 3, size, size)),
                        nd.create(pos, new Shape(turns, window)));
                NDList o = m.getBlock().forward(new ParameterStore(nd, false), in, false);
                float[] z = (o.size() == 1 ? o.singletonOrThrow() : NDArrays.concat(o, -1)).toFloatArray();
                for (int turn = 0; turn < turns; turn++) {
                    for (int t = 0; t < window && first + t < images; t++) {
                        addSigmoids(z, (turn * window + t) * outputs, outputs, sum[first + t], 0);
                        count[first + t]++;
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
                float[] moved = headScores(models, crops, crop, c.imagesPerWindow(), scores, shift, turns);
                for (int i = 0; i < p.length; i++) {
                    p[i][scores - 1] = Math.max(p[i][scores - 1], moved[i]);
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
        try (NoGrad g = NoGrad.enter()) {
            return new StudyEmbedding(crop.studyUid(), CropStore.images(crop.slices()), net.embeddingSize(),
                    embeddings(model, net, crops, crop, EMBED_BATCH, 0, 1)[0]);
        }
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
