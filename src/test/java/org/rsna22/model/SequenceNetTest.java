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
            SequenceNet net = new SequenceNet("resnet", 8, 16, 7);
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
