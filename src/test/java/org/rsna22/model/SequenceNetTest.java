package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
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

class SequenceNetTest {

    @Test
    void givesOutputsPerImageAndFeaturesPerImage() {
        try (Model model = Model.newInstance("seq")) {
            SequenceNet net = new SequenceNet("resnet", 8, 2, false, 16, 7);
            model.setBlock(net);
            NDManager m = model.getNDManager();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 5, 3, 32, 32), new Shape(1, 5));
            NDArray x = m.randomNormal(new Shape(2, 5, 3, 32, 32));
            NDArray pos = m.arange(10f).reshape(2, 5);
            NDList out = net.forward(new ParameterStore(m, false), new NDList(x, pos), false);
            assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(2, 5, 7));
            assertThat(net.embed(new ParameterStore(m, false), x.reshape(10, 3, 32, 32), false).getShape())
                    .isEqualTo(new Shape(10, 64));
        }
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
        ai.djl.nn.Block cnn = BoxLocaliserNet.backbone("resnet", 16, stride, false);
        cnn.initialize(m, DataType.FLOAT32, in);
        return cnn.getChildren().get(0).getValue().getOutputShapes(new Shape[] {in})[0];
    }

    private static NDArray features(NDManager m, NDArray x, int stemStride, boolean maxPool) {
        ai.djl.nn.Block cnn = BoxLocaliserNet.backbone("resnet", 16, stemStride, maxPool);
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
            assertThat(new SequenceMseLoss(10).evaluate(labels, predictions).getFloat())
                    .isCloseTo((10 * 0.25f + 0.25f) / 2, within(1e-6f));
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
