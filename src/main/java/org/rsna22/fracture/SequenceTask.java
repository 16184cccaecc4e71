package org.rsna22.fracture;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.rsna22.config.FractureConfig;
import org.rsna22.model.Backbones;
import org.rsna22.model.SequenceMseLoss;
import org.rsna22.model.SequenceNet;
import org.rsna22.model.TorchScriptBackbone;
import org.rsna22.training.HostBatch;
import org.rsna22.training.TrainingSettings;
import org.rsna22.training.TrainingTask;
import org.rsna22.training.ValidationMetrics;

/**
 * A slice model (M2 vertebra share, M3 slice fracture) as a {@link TrainingTask}: samples are windows of
 * {@code images_per_window} consecutive 3-slice images of a study crop (stride half a window), each image with its
 * position in the study and K per-image targets taken at its middle slice; training flips a whole window
 * horizontally with probability 0.5 (with {@code fracture.augment: dihedral}, turns it by any of the square's 8
 * symmetries). Validated by the mean absolute error of σ(output) on real images.
 * <p>
 * With single slices (M3's image pretraining) a sample is a window of one image: every slice of every training
 * study is the middle slice of one sample (image i moved 0, 1 or 2 slices towards the feet), so
 * that a batch holds slices of many studies; validation reads the unmoved images.
 */
public final class SequenceTask implements TrainingTask {

    /** A window: a study, its first image, and how far its slices are moved. */
    record Window(int study, int first, int shift) {
    }

    static final String TORCHSCRIPT_OPTION = "fracture.torchscript_path";
    /** The vertebra share from which an image belongs to a fractured vertebra's bag. */
    static final float BAG_SHARE = 0.5f;

    private final String modelName;
    private final TrainingSettings settings;
    private final FractureConfig config;
    private final CropStore crops;
    private final Map<String, Map<Integer, float[]>> targets;
    private final int outputs;
    private final List<String> trainStudies;
    private final List<String> validationStudies;
    private final List<Window> train;
    private final List<Window> validation;
    private final SequenceMseLoss loss;
    private final boolean imageHead;
    private final int window;
    private final Start start;
    /** Studies whose images stay out of the image head's loss and AUC: fractured, their cracks not located. */
    private final Set<String> unlocated;
    /** Whether the windows of unlocated studies carry bags for the image head's multiple-instance term. */
    private final boolean bags;
    private SequenceNet block;

    /**
     * @param targets       per study and slice number, the K targets of that slice; a slice that is not listed has zeros
     * @param nonzeroWeight the loss weight of non-zero targets ({@link SequenceMseLoss})
     * @param singleSlices  windows of one image, every slice once per epoch (M3's image pretraining)
     * @param start         the finished model whose weights the run starts from, or null
     */
    public SequenceTask(String modelName, TrainingSettings settings, FractureConfig config, CropStore crops,
                        Map<String, Map<Integer, float[]>> targets, double nonzeroWeight,
                        List<String> trainStudies, List<String> validationStudies, boolean singleSlices, Start start)
            throws IOException {
        this(modelName, settings, config, crops, targets, nonzeroWeight, trainStudies, validationStudies,
                singleSlices, start, Set.of());
    }

    /**
     * @param unlocated studies whose images the image head neither learns from nor is validated on (fractured studies
     *                  without crack boxes: their pseudo-labels mark a whole vertebra, not the images with the crack)
     */
    public SequenceTask(String modelName, TrainingSettings settings, FractureConfig config, CropStore crops,
                        Map<String, Map<Integer, float[]>> targets, double nonzeroWeight,
                        List<String> trainStudies, List<String> validationStudies, boolean singleSlices, Start start,
                        Set<String> unlocated) throws IOException {
        this.modelName = modelName;
        this.settings = settings;
        this.config = config;
        this.crops = crops;
        this.targets = targets;
        this.outputs = FractureModels.outputs(modelName);
        this.imageHead = imageHead(config, modelName);
        this.bags = imageHead && !singleSlices && config.imageMilWeight() > 0;
        this.loss = new SequenceMseLoss(nonzeroWeight, imageHead ? config.imageLossWeight() : 0, singleSlices,
                bags ? config.imageMilWeight() : 0);
        this.trainStudies = trainStudies;
        this.validationStudies = validationStudies;
        this.window = singleSlices ? 1 : config.imagesPerWindow();
        this.start = start;
        this.unlocated = unlocated;
        this.train = singleSlices ? slices(crops, trainStudies, true) : windows(trainStudies);
        this.validation = singleSlices ? slices(crops, validationStudies, false) : windows(validationStudies);
    }

    private List<Window> windows(List<String> studies) throws IOException {
        List<Window> out = new ArrayList<>();
        for (int s = 0; s < studies.size(); s++) {
            for (int first : windowStarts(CropStore.images(crops.slices(studies.get(s))), config.imagesPerWindow())) {
                out.add(new Window(s, first, 0));
            }
        }
        return out;
    }

    /**
     * One-image windows: with {@code everySlice} each slice but the first of a study once, as the middle slice of an
     * image moved 0-2 slices; else the unmoved images.
     */
    private static List<Window> slices(CropStore crops, List<String> studies, boolean everySlice) throws IOException {
        List<Window> out = new ArrayList<>();
        for (int s = 0; s < studies.size(); s++) {
            int slices = crops.slices(studies.get(s));
            for (int i = 0; i < CropStore.images(slices); i++) {
                for (int shift = 0; shift < (everySlice ? 3 : 1); shift++) {
                    if (i * 3 + 1 + shift < slices || shift == 0) {
                        out.add(new Window(s, i, shift));
                    }
                }
            }
        }
        return out;
    }

    /** How many training samples the studies give: windows, or with {@code singleSlices} one-image windows. */
    static long sampleCount(CropStore crops, List<String> studies, int window, boolean singleSlices)
            throws IOException {
        if (singleSlices) {
            return slices(crops, studies, true).size();
        }
        long n = 0;
        for (String uid : studies) {
            n += windowStarts(CropStore.images(crops.slices(uid)), window).size();
        }
        return n;
    }

    /** First images of the windows over a study of n images: stride half a window, the last one ends at n. */
    static List<Integer> windowStarts(int images, int window) {
        List<Integer> starts = new ArrayList<>();
        if (images <= window) {
            starts.add(0);
            return starts;
        }
        int stride = Math.max(1, window / 2);
        for (int s = 0; s + window < images; s += stride) {
            starts.add(s);
        }
        starts.add(images - window);
        return starts;
    }

    /**
     * The network of slice model {@code model} ({@link FractureModels#VERTEBRA}, {@link FractureModels#SLICE_IMAGE} or
     * {@link FractureModels#SLICE_FRACTURE}); a TorchScript backbone is loaded on {@code device} (a file that does not
     * fit is an IllegalStateException naming it: no study is at fault).
     */
    public static SequenceNet network(FractureConfig c, String model, Device device) {
        Block cnn;
        if (c.torchScript()) {
            try {
                cnn = TorchScriptBackbone.load(Path.of(c.torchscriptPath()), TORCHSCRIPT_OPTION, device, c.cropSize());
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        } else {
            // M2 may have a stem stride of its own; M3 and its pretraining share slice_fracture's
            int stride = c.stemStride(model.equals(FractureModels.VERTEBRA) ? c.vertebra() : c.sliceFracture());
            cnn = Backbones.of(c.backbone(), c.width(), stride, c.maxPool());
        }
        SequenceNet net = new SequenceNet(cnn, cnnFeatures(c), c.normalisation(), c.lstm(),
                FractureModels.outputs(model), imageHead(c, model) ? 1 : 0);
        if (c.pytorchInit()) {
            // PyTorch's default for convolutions and linear layers: kaiming_uniform with a = √5, ±1/√fan_in
            net.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                    XavierInitializer.FactorType.IN, 1), Parameter.Type.WEIGHT);
        }
        return net;
    }

    /**
     * Length of the per-image vectors that the study model reads ({@code fracture.study_inputs}; with
     * {@code study_shares: m2} the image head times each of the 7 shares follows).
     */
    static int studyInputSize(FractureConfig c) {
        return c.studyReadsScores() ? scoresPerImage(c) + (c.studySharesFromM2() ? 7 : 0)
                : cnnFeatures(c) + (imageHead(c, FractureModels.SLICE_FRACTURE) ? 1 : 0);
    }

    /** M3's probabilities per image: its 15 sequence outputs, and its image head's when it has one. */
    static int scoresPerImage(FractureConfig c) {
        return FractureModels.SLICE_OUTPUTS + (imageHead(c, FractureModels.SLICE_FRACTURE) ? 1 : 0);
    }

    /** Features per image of the slice models' CNN: the built-in backbone's, or those read from the TorchScript file. */
    public static int cnnFeatures(FractureConfig c) {
        if (!c.torchScript()) {
            return Backbones.features(c.width());
        }
        try {
            return TorchScriptBackbone.features(Path.of(c.torchscriptPath()), TORCHSCRIPT_OPTION, c.cropSize());
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Only the slice-fracture model (and its image pretraining) has the per-image crack head, and only with
     * {@code fracture.image_loss_weight}.
     */
    static boolean imageHead(FractureConfig c, String model) {
        return !model.equals(FractureModels.VERTEBRA) && c.imageHead();
    }

    /** Per study and slice number, the targets the task trains on. */
    Map<String, Map<Integer, float[]>> targets() {
        return targets;
    }

    /** The studies whose images stay out of the image head's loss and AUC. */
    Set<String> unlocated() {
        return unlocated;
    }

    @Override
    public String modelName() {
        return modelName;
    }

    @Override
    public TrainingSettings settings() {
        return settings;
    }

    @Override
    public Block block(Device device) {
        if (block == null) {
            block = network(config, modelName, device);
        }
        return block;
    }

    @Override
    public Loss loss() {
        return loss;
    }

    @Override
    public Start start() {
        return start;
    }

    @Override
    public Shape[] inputShapes() {
        int w = window;
        return new Shape[] {new Shape(1, w, 3, crops.size(), crops.size()), new Shape(1, w)};
    }

    @Override
    public int trainSamples() {
        return train.size();
    }

    @Override
    public int validationSamples() {
        return validation.size();
    }

    @Override
    public HostBatch batch(List<Integer> order, int from, int to, long seed, boolean augment) throws IOException {
        List<Window> windows = augment ? train : validation;
        List<String> studies = augment ? trainStudies : validationStudies;
        int n = to - from;
        int w = window;
        int size = crops.size();
        int image = 3 * size * size;
        float[] x = new float[n * w * image];
        float[] pos = new float[n * w];
        float[] y = new float[n * w * outputs];
        float[] mask = new float[n * w];
        float[] imageMask = imageHead ? new float[n * w] : null;
        float[] bag = bags ? new float[n * w] : null;
        for (int i = 0; i < n; i++) {
            Window win = windows.get(order.get(from + i));
            String uid = studies.get(win.study());
            StudyCrop crop = crops.get(uid);
            int images = CropStore.images(crop.slices());
            boolean located = !unlocated.contains(uid);
            Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + from + i);
            // one turn for the whole window: 0 none; bit 0 mirrors left to right, bit 1 top to bottom, bit 2 transposes
            int turn = !augment ? 0 : config.dihedral() ? rnd.nextInt(8) : rnd.nextBoolean() ? 1 : 0;
            int shift = win.shift();
            Map<Integer, float[]> studyTargets = targets.getOrDefault(uid, Map.of());
            fillWindow(crops, crop, win.first(), shift, w, x, pos, mask, i);
            for (int t = 0; t < w && win.first() + t < images; t++) {
                int img = win.first() + t;
                if (turn != 0) {
                    turn(x, (i * w + t) * image, 3, size, turn);
                }
                float[] target = studyTargets.get(crop.sliceNumbers()[CropStore.middleSlice(img, shift, crop.slices())]);
                if (target != null) {
                    System.arraycopy(target, 0, y, (i * w + t) * outputs, outputs);
                }
                if (imageMask != null && located) {
                    imageMask[i * w + t] = mask[i * w + t];
                }
            }
            if (bag != null && !located) {
                for (int[] range : fracturedVertebrae(crop, shift, studyTargets, outputs)) {
                    if (range[0] >= win.first() && range[1] < Math.min(images, win.first() + w)) {
                        for (int img = range[0]; img <= range[1]; img++) {
                            bag[i * w + img - win.first()] = 1;
                        }
                    }
                }
            }
        }
        List<HostBatch.Array> labels = new ArrayList<>(List.of(new HostBatch.Array(y, new Shape(n, w, outputs)),
                new HostBatch.Array(mask, new Shape(n, w))));
        if (imageMask != null) {
            labels.add(new HostBatch.Array(imageMask, new Shape(n, w)));
        }
        if (bag != null) {
            labels.add(new HostBatch.Array(bag, new Shape(n, w)));
        }
        return new HostBatch(n, List.of(new HostBatch.Array(x, new Shape(n, w, 3, size, size)),
                new HostBatch.Array(pos, new Shape(n, w))), labels);
    }

    /**
     * The images of each fractured vertebra of a study whose images are moved {@code shift} slices, as first and last
     * image: those whose vertebra share (targets 0..6) is at least {@link #BAG_SHARE}, for each vertebra k whose
     * fracture target (7 + k) is above 0 somewhere in the study (its label times M2's share: 0 on every image of an
     * unfractured vertebra). A vertebra that no image holds by that share has none. A window that holds all of one
     * such range holds the vertebra's crack.
     */
    static List<int[]> fracturedVertebrae(StudyCrop crop, int shift, Map<Integer, float[]> targets, int outputs) {
        int images = CropStore.images(crop.slices());
        List<int[]> out = new ArrayList<>();
        if (outputs != FractureModels.SLICE_OUTPUTS) {
            return out;
        }
        for (int k = 0; k < 7; k++) {
            boolean fractured = false;
            int first = -1;
            int last = -1;
            for (int img = 0; img < images; img++) {
                float[] t = targets.get(crop.sliceNumbers()[CropStore.middleSlice(img, shift, crop.slices())]);
                if (t == null) {
                    continue;
                }
                fractured |= t[7 + k] > 0;
                if (t[k] >= BAG_SHARE) {
                    first = first < 0 ? img : first;
                    last = img;
                }
            }
            if (fractured && first >= 0) {
                out.add(new int[] {first, last});
            }
        }
        return out;
    }

    /**
     * Writes window number {@code slot} of a batch: the images first..first+w-1 of a crop, their positions in the
     * study and a mask of 1 for real images. Past the end of a short study the last image is repeated with mask 0:
     * zero images would enter the batch-norm statistics as a flood of identical values (in tests their variance
     * collapsed and the first layer's gradient overflowed to NaN), and the mask keeps them out of the loss.
     */
    static void fillWindow(CropStore crops, StudyCrop crop, int first, int w, float[] x, float[] pos, float[] mask,
                           int slot) {
        fillWindow(crops, crop, first, 0, w, x, pos, mask, slot);
    }

    /** {@link #fillWindow} with every image's slices moved {@code shift} slices towards the feet. */
    static void fillWindow(CropStore crops, StudyCrop crop, int first, int shift, int w, float[] x, float[] pos,
                           float[] mask, int slot) {
        int image = 3 * crops.size() * crops.size();
        int images = CropStore.images(crop.slices());
        for (int t = 0; t < w; t++) {
            int img = Math.min(images - 1, first + t);
            crops.image(crop, img, shift, x, (slot * w + t) * image);
            pos[slot * w + t] = img;
            mask[slot * w + t] = first + t < images ? 1 : 0;
        }
    }

    /**
     * Turns {@code planes} square planes of size×size values starting at {@code offset} by one of the square's 8
     * symmetries: bit 0 of {@code turn} mirrors left to right, bit 1 top to bottom, bit 2 then swaps rows and columns.
     */
    static void turn(float[] a, int offset, int planes, int size, int turn) {
        if (turn == 1) { // the common case (fracture.augment: flip) in place
            flipRows(a, offset, planes * size, size);
            return;
        }
        float[] plane = new float[size * size];
        for (int p = 0; p < planes; p++) {
            int base = offset + p * size * size;
            System.arraycopy(a, base, plane, 0, plane.length);
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    int sr = (turn & 2) != 0 ? size - 1 - r : r;
                    int sc = (turn & 1) != 0 ? size - 1 - c : c;
                    a[base + ((turn & 4) != 0 ? c * size + r : r * size + c)] = plane[sr * size + sc];
                }
            }
        }
    }

    /** Mirrors {@code rows} rows of {@code size} values left to right, starting at {@code offset}. */
    static void flipRows(float[] a, int offset, int rows, int size) {
        for (int r = 0; r < rows; r++) {
            for (int l = offset + r * size, h = l + size - 1; l < h; l++, h--) {
                float t = a[l];
                a[l] = a[h];
                a[h] = t;
            }
        }
    }

    @Override
    public List<String> validationMetricNames() {
        return imageHead ? List.of("val_mae", "val_image_auc") : List.of("val_mae");
    }

    @Override
    public Validation newValidation() {
        return new Validation() {
            private double sum;
            private long count;
            private final List<double[]> images = new ArrayList<>();

            @Override
            public void add(HostBatch b, NDList out) {
                float[] z = out.get(0).toFloatArray();
                float[] image = imageHead ? out.get(1).toFloatArray() : null;
                float[] y = b.labels().get(0).data();
                float[] m = b.labels().get(1).data();
                float[] located = image != null ? b.labels().get(2).data() : null;
                for (int i = 0; i < m.length; i++) {
                    if (m[i] > 0) {
                        for (int k = 0; k < outputs; k++) {
                            sum += Math.abs(1 / (1 + Math.exp(-z[i * outputs + k])) - y[i * outputs + k]);
                            count++;
                        }
                        if (image != null && located[i] > 0) {
                            images.add(new double[] {image[i], y[i * outputs + outputs - 1] > 0 ? 1 : 0});
                        }
                    }
                }
            }

            @Override
            public double[] result() {
                double mae = count == 0 ? Double.NaN : sum / count;
                return imageHead ? new double[] {mae, ValidationMetrics.auc(images)} : new double[] {mae};
            }
        };
    }
}
