package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import org.junit.jupiter.api.Test;

class PooledStudyNetTest {

    private static double logit(double p) {
        return Math.log(p / (1 - p));
    }

    /**
     * Two studies of 3 images, 10 values per image, the 8 labels' scores at 2..9; study 1's scores are half study 0's
     * and its last image is padding.
     */
    private static NDList inputs(NDManager m) {
        float[] x = new float[2 * 3 * 10];
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 10; k++) {
                    // scores rise with the image, except that label j peaks at image j % 3; the padding is highest
                    float v = k < 2 ? 0.99f : 0.1f + 0.1f * i + (i == (k - 2) % 3 ? 0.5f : 0f);
                    x[(s * 3 + i) * 10 + k] = s == 0 ? v : v / 2;
                }
            }
        }
        x[(3 + 2) * 10 + 2] = 0.999f; // study 1, padded image, patient_overall's score
        float[] mask = {1, 1, 1, 1, 1, 0};
        return new NDList(m.create(x, new Shape(2, 3, 10)), m.create(mask, new Shape(2, 3)));
    }

    @Test
    void startsAsTheLogitOfEachLabelsMaximumOverTheRealImages() {
        try (Model model = Model.newInstance("pooled")) {
            PooledStudyNet net = new PooledStudyNet(2);
            model.setBlock(net);
            NDManager m = model.getNDManager();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
            float[] z = net.forward(new ParameterStore(m, false), inputs(m), false).singletonOrThrow().toFloatArray();
            assertThat(z).hasSize(16);
            for (int j = 0; j < 8; j++) {
                int peak = j % 3;
                double full = Math.max(0.1 + 0.1 * 2, 0.1 + 0.1 * peak + 0.5);
                assertThat((double) z[j]).as("study 0, label %d", j).isCloseTo(logit(full), within(1e-4));
                // study 1 has two real images: its padded third never counts, though it holds the highest score
                double two = (peak == 2 ? 0.1 + 0.1 : Math.max(0.1 + 0.1, 0.1 + 0.1 * peak + 0.5)) / 2;
                assertThat((double) z[8 + j]).as("study 1, label %d", j).isCloseTo(logit(two), within(1e-4));
            }
        }
    }

    @Test
    void learnsAScaleAndOffsetPerLabelAndKeepsThemThroughSaveAndLoad() throws Exception {
        try (Model model = Model.newInstance("pooled")) {
            PooledStudyNet net = new PooledStudyNet(2);
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new CompetitionLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build()))) {
                trainer.initialize(new Shape(2, 3, 10), new Shape(2, 3));
                NDManager m = model.getNDManager();
                NDList in = inputs(m);
                // every label of study 0 positive, none of study 1: its scores rank them, a steeper scale separates them
                NDArray y = m.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, new Shape(2, 8));
                float first = 0;
                float last = 0;
                for (int step = 0; step < 60; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), trainer.forward(in));
                        gc.backward(loss);
                        last = loss.getFloat();
                        first = step == 0 ? last : first;
                    }
                    trainer.step();
                }
                assertThat(last).isLessThan(first * 0.5f);
                float[] before = net.forward(new ParameterStore(m, false), in, false).singletonOrThrow().toFloatArray();
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                net.saveParameters(new DataOutputStream(bytes));
                PooledStudyNet loaded = new PooledStudyNet(2);
                loaded.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
                loaded.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
                float[] after = loaded.forward(new ParameterStore(m, false), in, false).singletonOrThrow().toFloatArray();
                assertThat(after).containsExactly(before, within(1e-6f));
            }
        }
    }
}
