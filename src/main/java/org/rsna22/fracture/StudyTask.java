package org.rsna22.fracture;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.model.CompetitionLoss;
import org.rsna22.model.PooledStudyNet;
import org.rsna22.model.StudyNet;
import org.rsna22.training.HostBatch;
import org.rsna22.training.TrainingSettings;
import org.rsna22.training.TrainingTask;
import org.rsna22.training.ValidationMetrics;

/**
 * The study classifier (M4, SPEC §8) as a {@link TrainingTask}: one sample per study, its image embeddings fitted to
 * max_study_length (longer ones resized over time, shorter ones zero-padded with a mask), the 8 labels as
 * targets and the competition metric as the loss. Validated by the AUC of patient_overall.
 */
public final class StudyTask implements TrainingTask {

    private final TrainingSettings settings;
    private final FractureConfig config;
    private final int maxLength;
    private final int features;
    private final List<FractureStudy> train;
    private final List<FractureStudy> validation;
    private final Inputs inputs;
    private final CompetitionLoss loss = new CompetitionLoss();
    private Block block;

    /** What the study model reads of a study (its embedding, verified; made again when damaged). */
    @FunctionalInterface
    public interface Inputs extends AutoCloseable {
        StudyEmbedding of(String uid) throws IOException;

        @Override
        default void close() {
        }
    }

    public StudyTask(TrainingSettings settings, FractureConfig config, int maxLength, int features, List<FractureStudy> train,
                     List<FractureStudy> validation, Inputs inputs) {
        this.settings = settings;
        this.config = config;
        this.maxLength = maxLength;
        this.features = features;
        this.train = train;
        this.validation = validation;
        this.inputs = inputs;
    }

    @Override
    public String modelName() {
        return "study";
    }

    @Override
    public TrainingSettings settings() {
        return settings;
    }

    @Override
    public Block block(Device device) {
        if (block == null) {
            block = network(config);
        }
        return block;
    }

    /**
     * The study model that {@code fracture.study_model} names: SPEC §8's LSTM, or per label the maximum of one score
     * over the images ({@link PooledStudyNet}, reading the image head and the head × M2 share values that
     * {@code study_shares: m2} puts after M3's 15 outputs; with {@code max_shared} the vertebrae share a scale).
     */
    static Block network(FractureConfig config) {
        return config.pooledStudyModel() ? new PooledStudyNet(FractureModels.SLICE_OUTPUTS, config.sharedStudyScale())
                : new StudyNet(config.studyLstm());
    }

    @Override
    public Loss loss() {
        return loss;
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, maxLength, features), new Shape(1, maxLength)};
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
        List<FractureStudy> studies = augment ? train : validation;
        int n = to - from;
        List<StudyEmbedding> embeddings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            embeddings.add(inputs.of(studies.get(order.get(from + i)).uid()));
        }
        // always padded to max_study_length, in training and prediction alike: the backward direction of the LSTM
        // reads the padding first, so a study's output must not depend on how long the others in its batch are
        int length = maxLength;
        float[] x = new float[n * length * features];
        float[] mask = new float[n * length];
        float[] y = new float[n * 8];
        for (int i = 0; i < n; i++) {
            StudyEmbedding e = embeddings.get(i);
            int len = e.fittedLength(maxLength);
            System.arraycopy(e.fitted(maxLength), 0, x, i * length * features, len * features);
            for (int t = 0; t < len; t++) {
                mask[i * length + t] = 1;
            }
            int[] labels = studies.get(order.get(from + i)).labels();
            for (int j = 0; j < 8; j++) {
                y[i * 8 + j] = labels[j];
            }
        }
        return new HostBatch(n, List.of(new HostBatch.Array(x, new Shape(n, length, features)),
                new HostBatch.Array(mask, new Shape(n, length))), List.of(new HostBatch.Array(y, new Shape(n, 8))));
    }

    @Override
    public void close() {
        inputs.close();
    }

    @Override
    public List<String> validationMetricNames() {
        return List.of("val_auc_overall");
    }

    @Override
    public Validation newValidation() {
        return new Validation() {
            private final List<double[]> scored = new ArrayList<>();

            @Override
            public void add(HostBatch b, NDList out) {
                float[] z = out.get(0).toFloatArray();
                float[] y = b.labels().get(0).data();
                for (int i = 0; i < b.count(); i++) {
                    scored.add(new double[] {z[i * 8], y[i * 8]});
                }
            }

            @Override
            public double[] result() {
                return new double[] {ValidationMetrics.auc(scored)};
            }
        };
    }

    /** The 8 probabilities of logits in TARGETS order. */
    static double[] probabilities(float[] logits, int offset) {
        double[] p = new double[CompetitionMetric.TARGETS.size()];
        for (int j = 0; j < p.length; j++) {
            p[j] = 1 / (1 + Math.exp(-logits[offset + j]));
        }
        return p;
    }
}
