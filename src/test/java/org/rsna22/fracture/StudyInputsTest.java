package org.rsna22.fracture;

import ai.djl.Device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.SequenceNet;

class StudyInputsTest {

    /** A network that stands in for a trained one: its outputs a function of the input windows (B, T, ...). */
    abstract static class StandIn extends AbstractBlock {
        abstract NDList outputs(NDArray x, long b, long t);

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            return outputs(x, x.getShape().get(0), x.getShape().get(1));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        }
    }

    /**
     * Stands in for M3: its sequence outputs are 0 (σ = 0.5) and its image head's raw output is the mean of the
     * image it is shown, so that the study inputs show which slices were looked at.
     */
    static final class MeanOfImage extends StandIn {
        @Override
        NDList outputs(NDArray x, long b, long t) {
            return new NDList(x.getManager().zeros(new Shape(b, t, FractureModels.SLICE_OUTPUTS)),
                    x.reshape(b, t, -1).mean(new int[] {2}).reshape(b, t, 1));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape x = inputShapes[0];
            return new Shape[] {new Shape(x.get(0), x.get(1), FractureModels.SLICE_OUTPUTS),
                    new Shape(x.get(0), x.get(1), 1)};
        }
    }

    /** Stands in for a second M3 (another seed): sequence outputs 0, the image head's raw output 2 whatever it sees. */
    static final class ConstantHead extends StandIn {
        @Override
        NDList outputs(NDArray x, long b, long t) {
            return new NDList(x.getManager().zeros(new Shape(b, t, FractureModels.SLICE_OUTPUTS)),
                    x.getManager().full(new Shape(b, t, 1), 2f));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape x = inputShapes[0];
            return new Shape[] {new Shape(x.get(0), x.get(1), FractureModels.SLICE_OUTPUTS),
                    new Shape(x.get(0), x.get(1), 1)};
        }
    }

    /**
     * Stands in for an M3 that looks at one corner: sequence outputs 0, the image head's raw output the value of the
     * image's top-left pixel, so that the study inputs show which way the image was turned.
     */
    static final class TopLeftPixel extends StandIn {
        @Override
        NDList outputs(NDArray x, long b, long t) {
            return new NDList(x.getManager().zeros(new Shape(b, t, FractureModels.SLICE_OUTPUTS)),
                    x.get(":, :, 0, 0, 0").reshape(b, t, 1));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape x = inputShapes[0];
            return new Shape[] {new Shape(x.get(0), x.get(1), FractureModels.SLICE_OUTPUTS),
                    new Shape(x.get(0), x.get(1), 1)};
        }
    }

    /** Stands in for M2: every image's raw share of vertebra k (0-based) is k - 3, whatever it shows. */
    static final class FixedShares extends StandIn {
        @Override
        NDList outputs(NDArray x, long b, long t) {
            return new NDList(x.getManager().arange(-3f, 4f).reshape(1, 1, 7).repeat(0, b).repeat(1, t));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), 7)};
        }
    }

    private static FractureConfig config(Path tmp, int imageSlices) throws Exception {
        return config(tmp, imageSlices, "m3");
    }

    private static FractureConfig config(Path tmp, int imageSlices, String shares) throws Exception {
        return config(tmp, imageSlices, shares, 1);
    }

    /** The test config; with {@code turns} above 1, trained on all 8 turns and scored over that many. */
    private static FractureConfig config(Path tmp, int imageSlices, String shares, int turns) throws Exception {
        Path yaml = Files.writeString(tmp.resolve("slices" + imageSlices + shares + turns + ".yaml"), "fracture:\n"
                + "  crop_size: 16\n  images_per_window: 2\n  image_slices: " + imageSlices + "\n"
                + "  image_loss_weight: 1\n  study_inputs: scores\n  study_shares: " + shares + "\n"
                + (turns > 1 ? "  augment: dihedral\n" : "") + "  test_time_turns: " + turns + "\n"
                + "  window_scaling: fixed\n  vertebra:\n    folds: [0, 1]\n  slice_fracture:\n    folds: [0, 1]\n");
        return ConfigLoader.load(yaml.toString()).fracture();
    }

    /** A crop store whose images show their middle slice in every channel (image_slices: 1). */
    private static CropStore middleSlices(Path tmp, FractureConfig c) {
        return new CropStore(new WorkLayout(tmp), WorkLayout.Subset.TRAIN, 2, c.windowLevel(), c.windowWidth(), 4,
                true, false);
    }

    /** 6 slices = 2 images (slices 0-2 and 3-5); only slice 2, the last of image 0 and never a middle slice, is bright. */
    private static StudyCrop brightThirdSlice() {
        short[][] hu = new short[6][];
        for (int s = 0; s < 6; s++) {
            short v = (short) (s == 2 ? 1300 : -500);
            hu[s] = new short[] {v, v, v, v};
        }
        return new StudyCrop("1.2.3", 2, new int[] {1, 2, 3, 4, 5, 6}, new int[] {0, 0, 2}, hu);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void withOneSliceAnImageHeadsScoreIsItsMaximumOverTheImagesThreeSlices(@TempDir Path tmp) throws Exception {
        // slice 2 bright (1300 HU: 1 after the fixed window -500..1300), the rest air (0)
        StudyCrop crop = brightThirdSlice();
        try (Model model = Model.newInstance("mean-of-image")) {
            model.setBlock(new MeanOfImage());
            FractureConfig one = config(tmp, 1);
            CropStore middle = middleSlices(tmp, one);
            StudyEmbedding e = FracturePredictions.studyInputs(List.of(model), null, middle, crop, one);
            assertThat(e.features()).isEqualTo(FractureModels.SLICE_OUTPUTS + 1);
            float[] v = e.fitted(2);
            int last = FractureModels.SLICE_OUTPUTS;
            // image 0: its middle slice 1 is air, but slice 2 shown alone scores σ(1); image 1 sees air only
            assertThat((double) v[last]).isCloseTo(sigmoid(1), within(1e-6));
            assertThat((double) v[e.features() + last]).isCloseTo(0.5, within(1e-6));
            // the sequence outputs keep the unmoved images
            assertThat((double) v[0]).isCloseTo(0.5, within(1e-6));

            // three slices per image: the head sees all three at once (mean 1/3), no maximum is taken
            FractureConfig three = config(tmp, 3);
            CropStore all = new CropStore(new WorkLayout(tmp), WorkLayout.Subset.TRAIN, 2, three.windowLevel(),
                    three.windowWidth(), 4, false, false);
            float[] w = FracturePredictions.studyInputs(List.of(model), null, all, crop, three).fitted(2);
            assertThat((double) w[last]).isCloseTo(sigmoid(1.0 / 3), within(1e-6));
        }
    }

    @Test
    void theScoresOfSeveralSeedsAreAveragedPerImageBeforeTheMaximumOverShifts(@TempDir Path tmp) throws Exception {
        StudyCrop crop = brightThirdSlice();
        try (Model seed0 = Model.newInstance("mean-of-image"); Model seed1 = Model.newInstance("constant-head")) {
            seed0.setBlock(new MeanOfImage());
            seed1.setBlock(new ConstantHead());
            FractureConfig one = config(tmp, 1);
            CropStore middle = middleSlices(tmp, one);
            StudyEmbedding both = FracturePredictions.studyInputs(List.of(seed0, seed1), null, middle, crop, one);
            float[] v = both.fitted(2);
            int head = FractureModels.SLICE_OUTPUTS;
            // image 0: seed 0 scores σ(1) with the bright slice in the middle, seed 1 σ(2) wherever: their mean
            assertThat((double) v[head]).isCloseTo((sigmoid(1) + sigmoid(2)) / 2, within(1e-6));
            // image 1 (air): σ(0) and σ(2)
            assertThat((double) v[both.features() + head]).isCloseTo((0.5 + sigmoid(2)) / 2, within(1e-6));
            // the order of the seeds does not matter
            float[] w = FracturePredictions.studyInputs(List.of(seed1, seed0), null, middle, crop, one).fitted(2);
            assertThat(w).containsExactly(v, within(1e-6f));
        }
    }

    @Test
    void testTimeTurnsAverageTheScoresOverTheImagesMirrorsAndTransposes(@TempDir Path tmp) throws Exception {
        // image 0 (slices 0-2): bright (1 after the window) in its top-left pixel only; image 1 (slices 3-5): air
        short[][] hu = new short[6][];
        for (int s = 0; s < 6; s++) {
            short corner = (short) (s < 3 ? 1300 : -500);
            hu[s] = new short[] {corner, -500, -500, -500};
        }
        StudyCrop crop = new StudyCrop("1.2.3", 2, new int[] {1, 2, 3, 4, 5, 6}, new int[] {0, 0, 2}, hu);
        int head = FractureModels.SLICE_OUTPUTS;
        // the top-left pixel of image 0 as each turn shows it: 1 as it is and transposed, 0 after any mirror
        double bright = sigmoid(1);
        double dark = 0.5;
        double[] expected = {bright, (bright + dark) / 2, (bright + 3 * dark) / 4, (2 * bright + 6 * dark) / 8};
        int[] turns = {1, 2, 4, 8};
        try (Model model = Model.newInstance("top-left")) {
            model.setBlock(new TopLeftPixel());
            for (int i = 0; i < turns.length; i++) {
                FractureConfig c = config(tmp, 1, "m3", turns[i]);
                assertThat(c.testTimeTurns()).isEqualTo(turns[i]);
                float[] v = FracturePredictions.studyInputs(List.of(model), null, middleSlices(tmp, c), crop, c)
                        .fitted(2);
                assertThat((double) v[head]).as("image 0, %d turns", turns[i]).isCloseTo(expected[i], within(1e-6));
                assertThat((double) v[head + 1 + head]).as("image 1 (air), %d turns", turns[i])
                        .isCloseTo(dark, within(1e-6));
                // the sequence outputs are averaged over the turns too (all 0 here: σ = 0.5)
                assertThat((double) v[0]).isCloseTo(0.5, within(1e-6));
            }
        }
    }

    @Test
    void testTimeTurnsAreOneTwoFourOrEightAndBeyondTwoNeedTheDihedralTraining(@TempDir Path tmp) throws Exception {
        Path features = Files.writeString(tmp.resolve("features.yaml"), "fracture:\n  test_time_turns: 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(features.toString()))
                .hasMessageContaining("it needs study_inputs: scores");
        String scores = "fracture:\n  study_inputs: scores\n  image_loss_weight: 1\n";
        Path three = Files.writeString(tmp.resolve("three.yaml"), scores + "  test_time_turns: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(three.toString()))
                .hasMessageContaining("fracture.test_time_turns must be 1, 2, 4 or 8, not 3");
        Path flip = Files.writeString(tmp.resolve("flip.yaml"), scores + "  test_time_turns: 4\n");
        assertThatThrownBy(() -> ConfigLoader.load(flip.toString()))
                .hasMessageContaining("it needs augment: dihedral");
        Path mirror = Files.writeString(tmp.resolve("mirror.yaml"), scores + "  test_time_turns: 2\n");
        assertThat(ConfigLoader.load(mirror.toString()).fracture().testTimeTurns()).isEqualTo(2);
        assertThat(ConfigLoader.load("default").fracture().testTimeTurns()).isEqualTo(1);
    }

    /** Hides a network's type, so that the predictions run it on whole windows of images as any block. */
    static final class WholeWindows extends StandIn {
        private final SequenceNet net;

        WholeWindows(SequenceNet net) {
            this.net = net;
        }

        @Override
        NDList outputs(NDArray x, long b, long t) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return net.forward(ps, inputs, training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return net.getOutputShapes(inputShapes);
        }
    }

    @Test
    void aSequenceNetsCnnRunsOncePerImageWithTheValuesOfWholeWindows(@TempDir Path tmp) throws Exception {
        Path yaml = Files.writeString(tmp.resolve("m3.yaml"), "fracture:\n  crop_size: 16\n  images_per_window: 4\n"
                + "  backbone: plain\n  width: 16\n  lstm: 8\n  image_slices: 1\n  image_loss_weight: 1\n"
                + "  study_inputs: scores\n  augment: dihedral\n  window_scaling: fixed\n");
        FractureConfig c = ConfigLoader.load(yaml.toString()).fracture();
        // 31 slices: 11 images (the last one short), windows of 4 at stride 2 cover them 1-2 times
        java.util.Random rnd = new java.util.Random(7);
        short[][] hu = new short[31][256];
        int[] numbers = new int[31];
        for (int s = 0; s < hu.length; s++) {
            numbers[s] = s + 1;
            for (int i = 0; i < 256; i++) {
                hu[s][i] = (short) (rnd.nextInt(1800) - 400);
            }
        }
        StudyCrop crop = new StudyCrop("1.2.3", 16, numbers, new int[] {0, 0, 16}, hu);
        CropStore crops = new CropStore(new WorkLayout(tmp), WorkLayout.Subset.TRAIN, 16, c.windowLevel(),
                c.windowWidth(), 4, true, false);
        int outputs = SequenceTask.scoresPerImage(c);
        try (Model fast = Model.newInstance("m3"); Model slow = Model.newInstance("m3-windows")) {
            SequenceNet net = SequenceTask.network(c, FractureModels.SLICE_FRACTURE, Device.cpu());
            fast.setBlock(net);
            net.initialize(fast.getNDManager(), DataType.FLOAT32, new Shape(1, 4, 3, 16, 16), new Shape(1, 4));
            slow.setBlock(new WholeWindows(net));
            for (int turns : new int[] {1, 8}) {
                for (int shift : new int[] {-1, 0, 1}) {
                    float[][] once = FracturePredictions.perImage(List.of(fast), crops, crop, 4, outputs, shift, turns);
                    float[][] windows = FracturePredictions.perImage(List.of(slow), crops, crop, 4, outputs, shift,
                            turns);
                    float[] head = FracturePredictions.headScores(List.of(fast), crops, crop, 4, outputs, shift, turns);
                    assertThat(once).hasNumberOfRows(11);
                    for (int i = 0; i < 11; i++) {
                        for (int k = 0; k < outputs; k++) {
                            assertThat(once[i][k]).as("image %d output %d, %d turns, shift %d", i, k, turns, shift)
                                    .isCloseTo(windows[i][k], within(1e-5f));
                        }
                        assertThat(head[i]).isCloseTo(windows[i][outputs - 1], within(1e-5f));
                    }
                }
            }
            // and the scores vary between images: the comparison is not between constants
            float[][] p = FracturePredictions.perImage(List.of(fast), crops, crop, 4, outputs, 0, 1);
            assertThat(p[0][outputs - 1]).isNotCloseTo(p[5][outputs - 1], within(1e-6f));
            assertThat(p[0][0]).isNotCloseTo(p[5][0], within(1e-6f));
        }
    }

    @Test
    void withM2SharesTheStudyReadsM2sSharesAndTheImageHeadTimesEachShare(@TempDir Path tmp) throws Exception {
        StudyCrop crop = brightThirdSlice();
        try (Model m3 = Model.newInstance("mean-of-image"); Model m2 = Model.newInstance("fixed-shares")) {
            m3.setBlock(new MeanOfImage());
            m2.setBlock(new FixedShares());
            FractureConfig c = config(tmp, 1, "m2");
            CropStore middle = middleSlices(tmp, c);
            StudyEmbedding e = FracturePredictions.studyInputs(List.of(m3), List.of(m2), middle, crop, c);
            int head = FractureModels.SLICE_OUTPUTS;
            assertThat(e.features()).isEqualTo(head + 1 + 7).isEqualTo(SequenceTask.studyInputSize(c));
            float[] v = e.fitted(2);
            double[] imageHead = {sigmoid(1), 0.5}; // as in the test above: image 0 sees the bright slice
            for (int image = 0; image < 2; image++) {
                int at = image * e.features();
                assertThat((double) v[at + head]).isCloseTo(imageHead[image], within(1e-6));
                for (int k = 0; k < 7; k++) {
                    double share = sigmoid(k - 3);
                    assertThat((double) v[at + k]).as("M2's share of C%d", k + 1).isCloseTo(share, within(1e-6));
                    assertThat((double) v[at + 7 + k]).as("M3's fracture output").isCloseTo(0.5, within(1e-6));
                    assertThat((double) v[at + head + 1 + k]).as("head x share of C%d", k + 1)
                            .isCloseTo(imageHead[image] * share, within(1e-6));
                }
            }
        }
    }

    @Test
    void m2SharesNeedScoresAnImageHeadAndAnM2ForEveryFoldOfM3(@TempDir Path tmp) throws Exception {
        Path features = Files.writeString(tmp.resolve("f.yaml"), "fracture:\n  study_shares: m2\n"
                + "  image_loss_weight: 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(features.toString()))
                .hasMessageContaining("fracture.study_shares: m2 needs study_inputs: scores");
        Path folds = Files.writeString(tmp.resolve("folds.yaml"), "fracture:\n  study_shares: m2\n"
                + "  image_loss_weight: 1\n  study_inputs: scores\n  vertebra:\n    folds: [0, 1]\n"
                + "  slice_fracture:\n    folds: [-1]\n");
        assertThatThrownBy(() -> ConfigLoader.load(folds.toString()))
                .hasMessageContaining("fracture.vertebra.folds [0, 1] must hold every fold of "
                        + "fracture.slice_fracture.folds [-1]");
    }

    @Test
    void quantileScoresNeedThePooledModelAndAnM3PerStudyFold(@TempDir Path tmp) throws Exception {
        String pooled = "fracture:\n  image_loss_weight: 1\n  study_inputs: scores\n  study_shares: m2\n"
                + "  study_scores: quantile\n";
        Path lstm = Files.writeString(tmp.resolve("lstm.yaml"), pooled);
        assertThatThrownBy(() -> ConfigLoader.load(lstm.toString())).hasMessageContaining("needs study_model: max");
        Path allData = Files.writeString(tmp.resolve("all.yaml"), pooled + "  study_model: max\n  vertebra:\n"
                + "    folds: [0, 1, -1]\n  slice_fracture:\n    folds: [0, 1, -1]\n  study:\n    folds: [0, 1, -1]\n");
        assertThatThrownBy(() -> ConfigLoader.load(allData.toString())).hasMessageContaining("without -1");
        Path missing = Files.writeString(tmp.resolve("missing.yaml"), pooled + "  study_model: max\n  vertebra:\n"
                + "    folds: [0, 1]\n  slice_fracture:\n    folds: [0]\n  study:\n    folds: [0, 1]\n");
        assertThatThrownBy(() -> ConfigLoader.load(missing.toString()))
                .hasMessageContaining("slice_fracture.folds [0] must hold every fold of study.folds [0, 1]");
        Path fine = Files.writeString(tmp.resolve("fine.yaml"), pooled + "  study_model: max\n  vertebra:\n"
                + "    folds: [0, 1]\n  slice_fracture:\n    folds: [0, 1]\n  study:\n    folds: [0, 1]\n");
        assertThat(ConfigLoader.load(fine.toString()).fracture().quantileScores()).isTrue();
        assertThat(ConfigLoader.load(fine.toString()).fracture().sharedStudyScale()).isFalse();
        Path shared = Files.writeString(tmp.resolve("shared.yaml"), Files.readString(fine)
                .replace("study_model: max\n", "study_model: max_shared\n"));
        assertThat(ConfigLoader.load(shared.toString()).fracture().pooledStudyModel()).isTrue();
        assertThat(ConfigLoader.load(shared.toString()).fracture().sharedStudyScale()).isTrue();
        Path noShares = Files.writeString(tmp.resolve("noshares.yaml"), "fracture:\n  study_model: max_shared\n");
        assertThatThrownBy(() -> ConfigLoader.load(noShares.toString()))
                .hasMessageContaining("fracture.study_model: max_shared reads the image head times M2's shares");
        Path unknown = Files.writeString(tmp.resolve("unknown.yaml"), "fracture:\n  study_model: mean\n");
        assertThatThrownBy(() -> ConfigLoader.load(unknown.toString()))
                .hasMessageContaining("fracture.study_model must be lstm, max or max_shared, not mean");
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "fracture:\n  study_scores: ranks\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad.toString()))
                .hasMessageContaining("fracture.study_scores must be raw or quantile, not ranks");
    }

    @Test
    void pytorchInitStartsWeightsWithinOneOverTheRootOfTheirFanIn(@TempDir Path tmp) throws Exception {
        Path yaml = Files.writeString(tmp.resolve("init.yaml"), "fracture:\n  crop_size: 16\n  images_per_window: 2\n"
                + "  backbone: plain\n  width: 16\n  lstm: 8\n  init: pytorch\n");
        FractureConfig c = ConfigLoader.load(yaml.toString()).fracture();
        Path djlYaml = Files.writeString(tmp.resolve("djl.yaml"), "fracture:\n  crop_size: 16\n  images_per_window: 2\n"
                + "  backbone: plain\n  width: 16\n  lstm: 8\n");
        FractureConfig d = ConfigLoader.load(djlYaml.toString()).fracture();
        assertThat(d.pytorchInit()).isFalse();
        try (NDManager nd = NDManager.newBaseManager()) {
            double[] spread = new double[2];
            int i = 0;
            for (FractureConfig cfg : new FractureConfig[] {c, d}) {
                SequenceNet net = SequenceTask.network(cfg, FractureModels.VERTEBRA, Device.cpu());
                net.initialize(nd, DataType.FLOAT32, new Shape(1, 2, 3, 16, 16), new Shape(1, 2));
                // the second 3x3 convolution: 16 in, fan_in 144
                Parameter w = net.getParameters().values().stream()
                        .filter(p -> p.getType() == Parameter.Type.WEIGHT && p.getArray().getShape().dimension() == 4
                                && p.getArray().getShape().get(1) == 16)
                        .findFirst().orElseThrow();
                NDArray a = w.getArray();
                spread[i++] = a.abs().max().getFloat();
                if (cfg == c) {
                    assertThat(a.abs().max().getFloat()).isLessThanOrEqualTo((float) (1 / Math.sqrt(144)));
                    // uniform within ±1/12: standard deviation 1/12/√3
                    double std = Math.sqrt(a.square().mean().getFloat());
                    assertThat(std).isCloseTo(1 / 12.0 / Math.sqrt(3), within(0.005));
                }
            }
            // DJL's default: normal with standard deviation √(2/144) = 0.118, so values well past 1/12
            assertThat(spread[1]).isGreaterThan(0.2);
        }
    }
}
