package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SequenceNetTest {

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "efficientnet", "plain"})
    void givesOutputsPerImageAndFeaturesPerImage(String backbone) {
        try (Model model = Model.newInstance("seq")) {
            SequenceNet net = new SequenceNet(backbone, 8, 2, false, 16, 7, 0);
            NDManager m = initialized(model, net, 5);
            NDArray x = m.randomNormal(new Shape(2, 5, 3, 32, 32));
            NDArray pos = m.arange(10f).reshape(2, 5);
            NDList out = net.forward(new ParameterStore(m, false), new NDList(x, pos), false);
            assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(2, 5, 7));
            assertThat(net.embed(new ParameterStore(m, false), x.reshape(10, 3, 32, 32), false).getShape())
                    .isEqualTo(new Shape(10, 64));
        }
    }

    /** The network as the model's block, initialised for windows of {@code images} 32-px images; its manager. */
    private static NDManager initialized(Model model, SequenceNet net, int images) {
        model.setBlock(net);
        NDManager m = model.getNDManager();
        net.initialize(m, DataType.FLOAT32, new Shape(1, images, 3, 32, 32), new Shape(1, images));
        return m;
    }

    @Test
    void aStrideOneStemKeepsTheFirstStageAtFullResolutionAndMaxPoolingKeepsOneStrongResponse() {
        try (NDManager m = NDManager.newBaseManager()) {
            // one bright pixel in an empty image: after global average pooling its response is diluted over the
            // whole map, after global max pooling it is not
            float[] pixel = new float[3 * 32 * 32];
            pixel[16 * 32 + 16] = 1;
            NDArray x = m.create(pixel, new Shape(1, 3, 32, 32));
            NDArray avg = features(m, x, 1, false);
            NDArray max = features(m, x, 1, true);
            assertThat(avg.getShape()).isEqualTo(new Shape(1, 128));
            assertThat(max.getShape()).isEqualTo(new Shape(1, 128));
            assertThat(max.max().getFloat()).isGreaterThan(avg.max().getFloat());
            // the stem's stride: 32 px in, 32 (stride 1) or 16 (stride 2) after the first convolution
            assertThat(stem(m, 1, x.getShape())).isEqualTo(new Shape(1, 16, 32, 32));
            assertThat(stem(m, 2, x.getShape())).isEqualTo(new Shape(1, 16, 16, 16));
        }
    }

    private static Shape stem(NDManager m, int stride, Shape in) {
        ai.djl.nn.Block cnn = Backbones.of("resnet", 16, stride, false);
        cnn.initialize(m, DataType.FLOAT32, in);
        return cnn.getChildren().get(0).getValue().getOutputShapes(new Shape[] {in})[0];
    }

    private static NDArray features(NDManager m, NDArray x, int stemStride, boolean maxPool) {
        ai.djl.nn.Block cnn = Backbones.of("resnet", 16, stemStride, maxPool);
        cnn.setInitializer(new ai.djl.training.initializer.ConstantInitializer(0.01f), ai.djl.nn.Parameter.Type.WEIGHT);
        cnn.initialize(m, DataType.FLOAT32, x.getShape());
        return cnn.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }

    @Test
    void theSliceLossWeighsNonZeroTargetsByItsWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            // σ(0) = 0.5 everywhere; targets 1 and 0 on two images, one output; mask 1: (w·0.25 + 0.25) / 2
            NDList labels = new NDList(m.create(new float[] {1, 0}, new Shape(1, 2, 1)), m.create(new float[] {1, 1},
                    new Shape(1, 2)));
            NDList predictions = new NDList(m.zeros(new Shape(1, 2, 1)));
            assertThat(new SequenceMseLoss().evaluate(labels, predictions).getFloat())
                    .isCloseTo((2 * 0.25f + 0.25f) / 2, within(1e-6f));
            assertThat(new SequenceMseLoss(10, 0).evaluate(labels, predictions).getFloat())
                    .isCloseTo((10 * 0.25f + 0.25f) / 2, within(1e-6f));
        }
    }

    @Test
    void theImageTermIsABalancedCrossEntropyOnTheLastTargetOverRealImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            // five images, one target (any fracture): one positive, three negatives, one padding image (mask 0) that
            // would be positive; raw image outputs 2, 0, 0, 0, 5. Positives weigh 3/1: (3·log(1+e^-2) + 3·ln 2) / 6
            NDList labels = new NDList(m.create(new float[] {1, 0, 0, 0, 1}, new Shape(1, 5, 1)),
                    m.create(new float[] {1, 1, 1, 1, 0}, new Shape(1, 5)));
            NDArray sequence = m.zeros(new Shape(1, 5, 1));
            NDList predictions = new NDList(sequence, m.create(new float[] {2, 0, 0, 0, 5}, new Shape(1, 5, 1)));
            double bce = (3 * Math.log1p(Math.exp(-2)) + 3 * Math.log(2)) / 6;
            double mse = (2 * 0.25 + 3 * 0.25) / 4;
            assertThat(new SequenceMseLoss(2, 0.5).evaluate(labels, predictions).getFloat())
                    .isCloseTo((float) (mse + 0.5 * bce), within(1e-5f));
            // a positive's target is 1 whatever its value (0.25: a vertebra's share of the slice)
            NDList share = new NDList(m.create(new float[] {0.25f, 0, 0, 0, 1}, new Shape(1, 5, 1)), labels.get(1));
            double shareMse = (2 * 0.0625 + 3 * 0.25) / 4;
            assertThat(new SequenceMseLoss(2, 0.5).evaluate(share, predictions).getFloat())
                    .isCloseTo((float) (shareMse + 0.5 * bce), within(1e-5f));
            // without the image weight the second output is ignored
            assertThat(new SequenceMseLoss(2, 0).evaluate(labels, predictions).getFloat())
                    .isCloseTo((float) mse, within(1e-6f));
            // image only (M3's image pretraining): the sequence outputs are ignored
            assertThat(new SequenceMseLoss(2, 0.5, true).evaluate(labels, predictions).getFloat())
                    .isCloseTo((float) (0.5 * bce), within(1e-5f));
            // a very negative raw value on a positive does not overflow: the loss is about |z| · its weight
            NDList extreme = new NDList(sequence, m.create(new float[] {-200, 0, 0, 0, 0}, new Shape(1, 5, 1)));
            assertThat(new SequenceMseLoss(2, 1).evaluate(labels, extreme).getFloat())
                    .isCloseTo((float) (mse + (3 * 200 + 3 * Math.log(2)) / 6), within(1e-3f));
            // a third mask keeps images out of the image term only (a fractured study without crack boxes): with the
            // positive and one negative out, two negatives remain, weight 1 each; the sequence term is unchanged
            NDList unlocated = new NDList(labels.get(0), labels.get(1),
                    m.create(new float[] {0, 0, 1, 1, 0}, new Shape(1, 5)));
            assertThat(new SequenceMseLoss(2, 0.5).evaluate(unlocated, predictions).getFloat())
                    .isCloseTo((float) (mse + 0.5 * Math.log(2)), within(1e-5f));
            assertThat(new SequenceMseLoss(2, 0.5, true).evaluate(unlocated, predictions).getFloat())
                    .isCloseTo((float) (0.5 * Math.log(2)), within(1e-5f));
        }
    }

    @Test
    void theBagTermPushesTheHighestImageOfEachBagTowardsACrack() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two windows of three images, no located image (third mask 0): only the bag term counts. Window 0's bag is
            // images 0 and 1 (raw 1 and 3, so 3 counts), image 2 (raw 9) is outside it; window 1 has no bag
            NDList predictions = new NDList(m.zeros(new Shape(2, 3, 1)),
                    m.create(new float[] {1, 3, 9, -4, -4, -4}, new Shape(2, 3, 1)));
            NDList labels = new NDList(m.zeros(new Shape(2, 3, 1)), m.ones(new Shape(2, 3)), m.zeros(new Shape(2, 3)),
                    m.create(new float[] {1, 1, 0, 0, 0, 0}, new Shape(2, 3)));
            double mse = 0.25; // σ(0) against 0 on every image, no non-zero target
            double bag = Math.log1p(Math.exp(-3));
            assertThat(new SequenceMseLoss(2, 1, false, 0.5).evaluate(labels, predictions).getFloat())
                    .isCloseTo((float) (mse + 0.5 * bag), within(1e-5f));
            // without its weight the bags are ignored; a bag in both windows is averaged over them
            assertThat(new SequenceMseLoss(2, 1).evaluate(labels, predictions).getFloat())
                    .isCloseTo((float) mse, within(1e-5f));
            NDList both = new NDList(labels.get(0), labels.get(1), labels.get(2),
                    m.create(new float[] {1, 1, 0, 0, 0, 1}, new Shape(2, 3)));
            assertThat(new SequenceMseLoss(2, 1, false, 0.5).evaluate(both, predictions).getFloat())
                    .isCloseTo((float) (mse + 0.5 * (bag + Math.log1p(Math.exp(4))) / 2), within(1e-5f));
            // only the highest image learns: the gradient reaches image 1 alone
            NDArray z = predictions.get(1).duplicate();
            z.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector g = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                g.backward(SequenceMseLoss.bagBce(z, labels.get(3).expandDims(-1)));
            }
            float[] grad = z.getGradient().toFloatArray();
            assertThat(grad[1]).isCloseTo((float) (-1 / (1 + Math.exp(3))), within(1e-5f));
            assertThat(new float[] {grad[0], grad[2], grad[3], grad[4], grad[5]}).containsOnly(0f);
            assertThatThrownBy(() -> new SequenceMseLoss(2, 0, false, 0.5)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new SequenceMseLoss(2, 1, true, 0.5)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theImageHeadReadsEachImagesFeaturesWithoutItsPosition() {
        try (Model model = Model.newInstance("seq")) {
            SequenceNet net = new SequenceNet("resnet", 16, 2, false, 16, 15, 1);
            NDManager m = initialized(model, net, 4);
            NDArray x = m.randomNormal(new Shape(1, 4, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            NDList a = net.forward(ps, new NDList(x, m.arange(4f).reshape(1, 4)), false);
            NDList b = net.forward(ps, new NDList(x, m.arange(4f).reshape(1, 4).add(40)), false);
            assertThat(a).hasSize(2);
            assertThat(a.get(0).getShape()).isEqualTo(new Shape(1, 4, 15));
            assertThat(a.get(1).getShape()).isEqualTo(new Shape(1, 4, 1));
            // other positions change the sequence heads, not the image head
            assertThat(a.get(1).toFloatArray()).containsExactly(b.get(1).toFloatArray(), within(1e-6f));
            assertThat(a.get(0).toFloatArray()).isNotEqualTo(b.get(0).toFloatArray());
            // the study model's vectors: the 128 CNN features and the image head's value last
            NDArray e = net.studyEmbedding(ps, x.reshape(4, 3, 32, 32), false);
            assertThat(net.embeddingSize()).isEqualTo(129);
            assertThat(e.getShape()).isEqualTo(new Shape(4, 129));
            assertThat(e.get(":, 128").toFloatArray()).containsExactly(a.get(1).toFloatArray(), within(1e-5f));
        }
    }

    @Test
    void studyNetGivesEightLogitsPerStudyIndependentOfItsBatch() {
        try (Model model = Model.newInstance("study")) {
            StudyNet net = new StudyNet(8);
            model.setBlock(net);
            NDManager m = model.getNDManager();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 6, 4), new Shape(1, 6));
            NDArray a = m.randomNormal(new Shape(1, 6, 4));
            NDArray b = m.randomNormal(new Shape(1, 6, 4));
            NDArray c = m.randomNormal(new Shape(1, 6, 4));
            NDArray mask = m.create(new float[] {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, new Shape(2, 6));
            float[] ab = net.forward(new ParameterStore(m, false), new NDList(a.concat(b), mask), false)
                    .singletonOrThrow().toFloatArray();
            float[] ac = net.forward(new ParameterStore(m, false), new NDList(a.concat(c), mask), false)
                    .singletonOrThrow().toFloatArray();
            assertThat(ab).hasSize(16);
            assertThat(Arrays.copyOf(ab, 8)).containsExactly(Arrays.copyOf(ac, 8), within(1e-5f));
            assertThat(Arrays.copyOfRange(ab, 8, 16)).isNotEqualTo(Arrays.copyOfRange(ac, 8, 16));
        }
    }

    @Test
    void positionEmbeddingIsSinAndCosOfThePosition() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] pe = PositionEmbedding.sinusoidal(m.create(new float[] {0, 2}, new Shape(1, 2)), 4).toFloatArray();
            // ω = 1, 0.01 for 4 features: position 2 → sin 2, sin 0.02, cos 2, cos 0.02
            assertThat(pe).containsExactly(new float[] {0, 0, 1, 1, (float) Math.sin(2), (float) Math.sin(0.02),
                (float) Math.cos(2), (float) Math.cos(0.02)}, within(1e-6f));
        }
    }
}
