package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.MalformedModelException;
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
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest(name = "shared {0}")
    @ValueSource(booleans = {false, true})
    void startsAsTheLogitOfEachLabelsMaximumOverTheRealImages(boolean shared) {
        try (Model model = Model.newInstance("pooled")) {
            PooledStudyNet net = new PooledStudyNet(2, shared);
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

    @Test
    void sharedTheVertebraeHaveOneScaleAndReadPatientOverallsLogitWhichReadsTheLargestVertebras() {
        try (Model model = Model.newInstance("pooled")) {
            PooledStudyNet net = new PooledStudyNet(2, true);
            model.setBlock(net);
            NDManager m = model.getNDManager();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
            assertThat(net.getParameters().keys()).containsExactly("scale", "offset", "overall", "vertebrae");
            net.getParameters().get("scale").getArray().set(new float[] {2, 3});
            net.getParameters().get("offset").getArray().set(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f,
                0.8f});
            net.getParameters().get("overall").getArray().set(new float[] {0.5f});
            net.getParameters().get("vertebrae").getArray().set(new float[] {0.25f});
            float[] z = net.forward(new ParameterStore(m, false), inputs(m), false).singletonOrThrow().toFloatArray();
            double whole = logit(Math.max(0.1 + 0.1 * 2, 0.1 + 0.5)); // study 0, patient_overall (peak at image 0)
            // the largest vertebra logit: C2's and C5's, which peak at image 2 (0.8)
            assertThat((double) z[0]).isCloseTo(2 * whole + 0.25 * logit(0.8) + 0.1, within(1e-4));
            for (int j = 1; j < 8; j++) {
                int peak = j % 3;
                double own = logit(Math.max(0.1 + 0.1 * 2, 0.1 + 0.1 * peak + 0.5));
                assertThat((double) z[j]).as("C%d", j).isCloseTo(3 * own + 0.5 * whole + 0.1 * (j + 1), within(1e-4));
            }
        }
    }

    /**
     * Six training studies, every label fractured in three: each label's score ranks them right (fractured high), but
     * C1's ranks them backwards, as a vertebra with a handful of fractured training studies can by chance. With a
     * scale per label the model learns to turn C1 upside down; with the vertebrae's scale shared it keeps reading a
     * higher C1 score as more likely fractured (and C1's fit is worse than the others').
     */
    @ParameterizedTest(name = "shared {0}")
    @ValueSource(booleans = {false, true})
    void aScalePerLabelTurnsABackwardsVertebraUpsideDownASharedOneDoesNot(boolean shared) {
        int studies = 6;
        float[] x = new float[studies * 8];
        float[] y = new float[studies * 8];
        for (int s = 0; s < studies; s++) {
            boolean fractured = s % 2 == 0;
            for (int j = 0; j < 8; j++) {
                float high = 0.6f + 0.05f * s;
                float low = 0.2f + 0.05f * s;
                x[s * 8 + j] = (j == 1) != fractured ? high : low;
                y[s * 8 + j] = fractured ? 1 : 0;
            }
        }
        try (Model model = Model.newInstance("pooled")) {
            PooledStudyNet net = new PooledStudyNet(0, shared);
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new CompetitionLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build()))) {
                trainer.initialize(new Shape(studies, 1, 8), new Shape(studies, 1));
                NDManager m = model.getNDManager();
                NDList in = new NDList(m.create(x, new Shape(studies, 1, 8)), m.ones(new Shape(studies, 1)));
                NDArray labels = m.create(y, new Shape(studies, 8));
                for (int step = 0; step < 300; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        gc.backward(trainer.getLoss().evaluate(new NDList(labels), trainer.forward(in)));
                    }
                    trainer.step();
                }
                // two new studies alike in every score but C1's
                float[] probe = new float[2 * 8];
                Arrays.fill(probe, 0.5f);
                probe[1] = 0.3f;
                probe[8 + 1] = 0.7f;
                float[] z = net.forward(new ParameterStore(m, false), new NDList(m.create(probe, new Shape(2, 1, 8)),
                        m.ones(new Shape(2, 1))), false).singletonOrThrow().toFloatArray();
                if (shared) {
                    assertThat(z[8 + 1]).as("C1 of the study with the higher C1 score").isGreaterThan(z[1]);
                } else {
                    assertThat(z[8 + 1]).as("C1 of the study with the higher C1 score").isLessThan(z[1]);
                }
            }
        }
    }

    @Test
    void aSharedModelSavesAndLoadsAndRefusesTheParametersOfAPerLabelOne() throws Exception {
        try (Model model = Model.newInstance("pooled")) {
            NDManager m = model.getNDManager();
            PooledStudyNet net = new PooledStudyNet(2, true);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
            net.getParameters().get("overall").getArray().set(new float[] {0.7f});
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            net.saveParameters(new DataOutputStream(bytes));
            PooledStudyNet loaded = new PooledStudyNet(2, true);
            loaded.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
            loaded.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            assertThat(loaded.getParameters().get("overall").getArray().toFloatArray()).containsExactly(0.7f);
            PooledStudyNet perLabel = new PooledStudyNet(2, false);
            perLabel.initialize(m, DataType.FLOAT32, new Shape(1, 3, 10), new Shape(1, 3));
            assertThatThrownBy(() -> perLabel.loadParameters(m,
                    new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
                    .isInstanceOf(MalformedModelException.class);
        }
    }
}
