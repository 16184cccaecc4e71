package org.rsna22.training;

import ai.djl.Device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.BatchLimit;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.io.Sha256;

/**
 * limit_train_batches and limit_val_batches, as PyTorch Lightning has them: a capped run trains and validates on
 * exactly the first batches the cap allows and says so in metrics.csv; an uncapped one runs as before, its
 * metrics.csv without limit columns. validate_every: the epochs between validate nothing, and the weights are the
 * same.
 */
class BatchLimitTest {

    @TempDir
    Path tmp;

    /** 40 training samples (10 batches of 4) and 12 validation samples (3 batches of 4) of a linear model. */
    private static final class Counting implements TrainingTask {
        final TrainingSettings settings;
        final AtomicInteger trainBatches = new AtomicInteger();
        final AtomicInteger valBatches = new AtomicInteger();
        private Block block;

        Counting(BatchLimit train, BatchLimit val) {
            settings = new TrainingSettings("test", 2, 4, 4, 1e-2, 0, 0.1, true, 1, 1, train, val);
        }

        Counting(int epochs, int validateEvery) {
            settings = new TrainingSettings("test", epochs, 4, 4, 1e-2, 0, 0.1, true, 1, 1, BatchLimit.ALL,
                    BatchLimit.ALL, 0, validateEvery);
        }

        @Override
        public String modelName() {
            return "linear";
        }

        @Override
        public TrainingSettings settings() {
            return settings;
        }

        @Override
        public Block block(Device device) {
            if (block == null) {
                block = Linear.builder().setUnits(1).build();
            }
            return block;
        }

        @Override
        public Loss loss() {
            return Loss.l2Loss();
        }

        @Override
        public Shape[] inputShapes() {
            return new Shape[] {new Shape(1, 3)};
        }

        @Override
        public int trainSamples() {
            return 40;
        }

        @Override
        public int validationSamples() {
            return 12;
        }

        @Override
        public HostBatch batch(List<Integer> order, int from, int to, long seed, boolean augment) {
            (augment ? trainBatches : valBatches).incrementAndGet();
            int n = to - from;
            float[] x = new float[n * 3];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                int s = order.get(from + i);
                x[i * 3] = s;
                x[i * 3 + 1] = 1;
                x[i * 3 + 2] = -s / 2f;
                y[i] = s * 0.1f;
            }
            return new HostBatch(n, List.of(new HostBatch.Array(x, new Shape(n, 3))),
                    List.of(new HostBatch.Array(y, new Shape(n, 1))));
        }

        @Override
        public List<String> validationMetricNames() {
            return List.of();
        }

        @Override
        public Validation newValidation() {
            return new Validation() {
                @Override
                public void add(HostBatch b, NDList out) {
                }

                @Override
                public double[] result() {
                    return new double[0];
                }
            };
        }
    }

    /** A limit as a config file gives it (the value of bbox.limit_val_batches). */
    private static BatchLimit limit(String yamlValue) throws IOException {
        return config("bbox:\n  limit_val_batches: " + yamlValue + "\n").bbox().limitValBatches();
    }

    private static ExperimentConfig config(String yaml) throws IOException {
        Path f = Files.createTempFile("limits", ".yaml");
        try {
            Files.writeString(f, yaml);
            return ConfigLoader.load(f.toString());
        } finally {
            Files.delete(f);
        }
    }

    private TrainRun train(Counting task, String name) throws Exception {
        TrainRun run = TrainRun.of(tmp.resolve(name), "limits", 0, 0);
        try (ModelTrainer t = new ModelTrainer(task, run, new TrainingListener() { })) {
            t.open();
            while (!t.trainFor(10_000)) {
                // trains to the end
            }
            assertThat(t.step()).isEqualTo(t.totalSteps());
        }
        return run;
    }

    @Test
    void aCappedRunTrainsExactlyItsBatchesAndSaysSoInMetrics() throws Exception {
        Counting counted = new Counting(limit("3"), limit("0.5"));
        TrainRun run = train(counted, "capped");
        assertThat(counted.trainBatches.get()).isEqualTo(2 * 3); // 2 epochs of the first 3 of 10 batches
        assertThat(counted.valBatches.get()).isEqualTo(2 * 1); // half of 3 validation batches, rounded down
        List<String> metrics = Files.readAllLines(run.folder().metrics());
        assertThat(metrics.get(0)).endsWith(",limit_train_batches,of_train_batches,limit_val_batches,of_val_batches");
        assertThat(metrics.get(1)).endsWith(",3,10,1,3");
        assertThat(metrics).hasSize(3);
    }

    @Test
    void anUncappedRunUsesEveryBatchAndKeepsTheMetricsColumnsOfBefore() throws Exception {
        Counting all = new Counting(BatchLimit.ALL, BatchLimit.ALL);
        TrainRun run = train(all, "all");
        assertThat(all.trainBatches.get()).isEqualTo(2 * 10);
        assertThat(all.valBatches.get()).isEqualTo(2 * 3);
        assertThat(Files.readAllLines(run.folder().metrics()).get(0))
                .isEqualTo("epoch,train_loss,val_loss,lr,seconds,images_per_second");
        // a share of 1.0 given explicitly is the same run, to the byte
        TrainRun again = train(new Counting(limit("1.0"), limit("1.0")), "again");
        assertThat(Sha256.of(again.model().resolve("linear-0000.params")))
                .isEqualTo(Sha256.of(run.model().resolve("linear-0000.params")));
    }

    @Test
    void countsAndSharesAreTakenAsLightningTakesThem() throws IOException {
        assertThat(limit("4").apply(10)).isEqualTo(4);
        assertThat(limit("40").apply(10)).isEqualTo(10);
        assertThat(limit("0.25").apply(10)).isEqualTo(2);
        assertThat(limit("0.01").apply(10)).isEqualTo(1);
        assertThat(limit("1.0").all()).isTrue();
        assertThat(limit("1").all()).isFalse(); // one batch, not all of them
        assertThat(limit("0").apply(10)).isZero();
        assertThatThrownBy(() -> limit("1.5")).hasMessageContaining("within (0, 1]");
        assertThatThrownBy(() -> limit("-2")).hasMessageContaining("0 or more");
        assertThatThrownBy(() -> config("bbox:\n  limit_train_batches: 0\n"))
                .hasMessageContaining("bbox.limit_train_batches must train at least one batch");
        // what a resolved config says is what was given
        assertThat(ConfigLoader.toYaml(config("bbox:\n  limit_train_batches: 4\n  "
                + "limit_val_batches: 0.5\n"))).contains("limit_train_batches: 4\n", "limit_val_batches: 0.5\n");
    }

    @Test
    void validateEveryValidatesEveryNthEpochAndTheLastAndTrainsTheSameWeights() throws Exception {
        Counting every = new Counting(5, 1);
        TrainRun all = train(every, "every");
        assertThat(every.valBatches.get()).isEqualTo(5 * 3);
        Counting second = new Counting(5, 2);
        TrainRun some = train(second, "second");
        assertThat(second.trainBatches.get()).isEqualTo(5 * 10);
        assertThat(second.valBatches.get()).isEqualTo(3 * 3); // epochs 2, 4 and the last, 5
        List<String> rows = Files.readAllLines(some.folder().metrics());
        assertThat(rows).hasSize(6);
        for (int epoch = 1; epoch <= 5; epoch++) {
            String valLoss = rows.get(epoch).split(",", -1)[2];
            assertThat(valLoss.isEmpty()).as("epoch %d validated", epoch).isEqualTo(epoch == 1 || epoch == 3);
            // the validated epochs measure what validating every epoch measured
            if (!valLoss.isEmpty()) {
                assertThat(valLoss).isEqualTo(Files.readAllLines(all.folder().metrics()).get(epoch).split(",")[2]);
            }
        }
        assertThat(Sha256.of(some.model().resolve("linear-0000.params")))
                .isEqualTo(Sha256.of(all.model().resolve("linear-0000.params")));
        assertThatThrownBy(() -> new Counting(5, 0)).hasMessageContaining("test.validate_every must be at least 1");
        assertThatThrownBy(() -> config("bbox:\n  validate_every: 0\n"))
                .hasMessageContaining("bbox.validate_every must be at least 1");
        assertThat(config("fracture:\n  study:\n    validate_every: 3\n").fracture().study().validateEvery())
                .isEqualTo(3);
    }
}
