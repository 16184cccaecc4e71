package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.config.ConfigLoader;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.FailingDicomSource;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.rsna22.testsupport.TestFiles;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * train-bbox and infer-bbox on a tiny generated dataset: a run failed in epoch 2 resumes from its epoch
 * checkpoint and ends with the weights of an uninterrupted run; completed partitions are not rerun; an
 * inference partition that fails is the only one rerun, and the outputs equal an uninterrupted run's.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:bbox;DB_CLOSE_DELAY=-1")
@Import({JobTestSupport.FailingSourceConfig.class, TrainAndInferBboxTest.FailingEpoch.class})
class TrainAndInferBboxTest {

    static final String CONFIG = Path.of("src/test/resources/bbox-test.yaml").toAbsolutePath().toString();

    /** Throws once when a chosen run starts a chosen epoch. */
    @TestConfiguration
    static class FailingEpoch {
        static final AtomicInteger FAIL_FOLD = new AtomicInteger(Integer.MIN_VALUE);
        static final AtomicInteger FAIL_EPOCH = new AtomicInteger(1);

        @Bean
        TrainingListener failingEpoch() {
            return new TrainingListener() {
                @Override
                public void onEpochStart(TrainRun run, int epoch) {
                    if (epoch == FAIL_EPOCH.get() && FAIL_FOLD.compareAndSet(run.fold(), Integer.MIN_VALUE)) {
                        throw new IllegalStateException("injected failure at the start of epoch " + (epoch + 1) + " of "
                                + run.name());
                    }
                }
            };
        }
    }

    @TempDir
    static Path shared;
    static Path data;
    static Path prepared;

    @Autowired
    JobRunner runner;

    @Autowired
    FailingDicomSource source;

    @Autowired
    ApplicationContext context;

    /** A remote worker finds the step of a partition request by its name: every partition step is a bean so named. */
    @Test
    void everyPartitionStepIsTheBeanOfItsName() {
        Map<String, Step> steps = context.getBeansOfType(Step.class);
        List<String> partitionSteps = steps.values().stream().map(Step::getName).filter(n -> n.endsWith("Partition"))
                .sorted().toList();
        assertThat(partitionSteps).contains("sliceMetadataPartition", "bboxLabelsPartition", "trainBboxPartition",
                "inferBboxPartition", "studyCropsPartition", "embeddingsPartition", "trainVertebraPartition",
                "trainSliceImagePartition", "trainCrackImage1Partition", "trainCrackFinder2Partition", "trainSliceFracturePartition", "trainStudyPartition",
                "inferFracturePartition");
        for (String name : partitionSteps) {
            assertThat(steps.get(name)).as(name).isNotNull();
            assertThat(steps.get(name).getName()).isEqualTo(name);
        }
    }

    @BeforeAll
    static void dataset() throws IOException {
        data = shared.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 3, 24, 2)).generate(data, null);
    }

    private Path preparedWork(Path work) throws Exception {
        if (prepared == null) {
            prepared = shared.resolve("prepared");
            assertThat(JobTestSupport.run(runner, "prepare", data, prepared, CONFIG).getStatus())
                    .isEqualTo(BatchStatus.COMPLETED);
        }
        Files.createDirectories(work);
        for (String f : List.of("train_bbox_v01.csv.gz", "train_all_slices_v01.csv.gz", "train_folded_v01.csv")) {
            Files.copy(prepared.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return work;
    }

    @Test
    void trainingFailedInEpochTwoResumesToTheSameWeights() throws Exception {
        source.disarm();
        Path reference = preparedWork(shared.resolve("ref-train"));
        assertThat(JobTestSupport.run(runner, "train-bbox", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);

        Path work = preparedWork(shared.resolve("resumed-train"));
        FailingEpoch.FAIL_FOLD.set(1);
        JobExecution failed = JobTestSupport.run(runner, "train-bbox", data, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        TrainRun run1 = TrainRun.of(work, "bbox-test", 1, 0);
        assertThat(run1.checkpoints().resolve("epoch-001")).isDirectory();
        assertThat(run1.model()).doesNotExist();

        JobExecution resumed = JobTestSupport.run(runner, "train-bbox", data, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<String> rerun = resumed.getStepExecutions().stream().map(StepExecution::getStepName)
                .filter(n -> n.contains(":")).toList();
        assertThat(rerun).containsExactly("trainBboxPartition:fold1-seed0");
        for (int fold : new int[] {0, 1}) {
            TrainRun a = TrainRun.of(reference, "bbox-test", fold, 0);
            TrainRun b = TrainRun.of(work, "bbox-test", fold, 0);
            assertThat(Files.readAllBytes(b.model().resolve("bbox-0000.params"))).as("weights of fold " + fold)
                    .isEqualTo(Files.readAllBytes(a.model().resolve("bbox-0000.params")));
            List<String> metrics = Files.readAllLines(b.dir().resolve("metrics.csv"));
            assertThat(metrics).hasSize(4);
            assertThat(Files.readString(b.dir().resolve("config.yaml"))).contains("image_size: 32");
        }
    }

    /**
     * A run failed after two epochs has checkpoints epoch-001 and epoch-002; the newest damaged, the resume reports it
     * and goes on from epoch-001; both damaged, the run starts over and says so. Either way the weights end as the
     * uninterrupted run's.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aDamagedCheckpointIsReportedAndThePreviousOneUsed(CapturedOutput output) throws Exception {
        source.disarm();
        Path reference = preparedWork(shared.resolve("ref-checkpoints"));
        assertThat(JobTestSupport.run(runner, "train-bbox", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        for (boolean both : new boolean[] {false, true}) {
            Path work = preparedWork(shared.resolve("damaged-checkpoints-" + both));
            FailingEpoch.FAIL_EPOCH.set(2);
            FailingEpoch.FAIL_FOLD.set(1);
            try {
                assertThat(JobTestSupport.run(runner, "train-bbox", data, work, CONFIG).getStatus())
                        .isEqualTo(BatchStatus.FAILED);
            } finally {
                FailingEpoch.FAIL_EPOCH.set(1);
            }
            TrainRun run1 = TrainRun.of(work, "bbox-test", 1, 0);
            Path newest = run1.checkpoints().resolve("epoch-002").resolve("bbox-0000.params");
            byte[] bytes = Files.readAllBytes(newest);
            Files.write(newest, Arrays.copyOf(bytes, bytes.length / 2)); // cut short, as a full disk leaves it
            if (both) {
                Path older = run1.checkpoints().resolve("epoch-001").resolve("optimizer.ndlist");
                byte[] o = Files.readAllBytes(older);
                o[o.length / 2] ^= 0x5a; // one byte flipped
                Files.write(older, o);
            }
            assertThat(JobTestSupport.run(runner, "train-bbox", data, work, CONFIG).getStatus())
                    .isEqualTo(BatchStatus.COMPLETED);
            assertThat(output.getOut()).contains("checkpoint epoch-002 is not usable (" + newest + " has "
                    + bytes.length / 2 + " bytes, the manifest says " + bytes.length + ")");
            if (both) {
                assertThat(output.getOut()).contains("checkpoint epoch-001 is not usable (")
                        .contains("optimizer.ndlist: checksum mismatch")
                        .contains("none of the 2 checkpoints in " + run1.checkpoints() + " is usable: the run starts over");
            }
            TrainRun a = TrainRun.of(reference, "bbox-test", 1, 0);
            assertThat(Files.readAllBytes(run1.model().resolve("bbox-0000.params"))).as("weights, both damaged: " + both)
                    .isEqualTo(Files.readAllBytes(a.model().resolve("bbox-0000.params")));
        }
    }

    /**
     * The config edited after a failure: `run` refuses (its checkpoints follow the old settings), `restart`
     * continues with the config the execution started with and ends with the uninterrupted run's weights.
     */
    @Test
    void aRestartAfterTheConfigChangedUsesTheConfigTheRunStartedWith() throws Exception {
        source.disarm();
        Path reference = preparedWork(shared.resolve("ref-config"));
        assertThat(JobTestSupport.run(runner, "train-bbox", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        Path config = shared.resolve("edited.yaml");
        Files.copy(Path.of(CONFIG), config);
        Path work = preparedWork(shared.resolve("config-edited"));
        FailingEpoch.FAIL_FOLD.set(1);
        assertThat(JobTestSupport.run(runner, "train-bbox", data, work, config.toString()).getStatus())
                .isEqualTo(BatchStatus.FAILED);
        Files.writeString(config, Files.readString(config).replace("lr: 3.0e-3", "lr: 1.0e-2"));
        assertThatThrownBy(() -> JobTestSupport.run(runner, "train-bbox", data, work, config.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("config " + config + " changed since execution")
                .hasMessageContaining("`restart train-bbox` continues with the config it started with");
        StringWriter said = new StringWriter();
        JobExecution resumed = runner.restartLatest("train-bbox", new PrintWriter(said));
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(said.toString()).contains("continuing with the config it started with");
        assertThat(ConfigLoader.load(config.toString()).bbox().lr()).isEqualTo(1.0e-2); // the pin is gone
        for (int fold : new int[] {0, 1}) {
            assertThat(Files.readAllBytes(TrainRun.of(work, "edited", fold, 0).model().resolve("bbox-0000.params")))
                    .as("weights of fold " + fold)
                    .isEqualTo(Files.readAllBytes(TrainRun.of(reference, "bbox-test", fold, 0).model()
                            .resolve("bbox-0000.params")));
        }
    }

    /**
     * A slice that prepare read but training cannot (its file cut short since): the nearest slice of its triplets
     * stands in for it, each run records it once (the run's name and the reason) in skipped.csv, the step counts it,
     * and training completes.
     */
    @Test
    void aSliceThatCannotBeReadDuringTrainingIsRecordedAndTrainingGoesOn() throws Exception {
        source.disarm();
        Path damaged = shared.resolve("damaged-data");
        TestFiles.copyTree(data, damaged);
        String uid;
        try (var studies = Files.list(damaged.resolve("train_images"))) {
            uid = studies.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
        }
        Path slice = damaged.resolve("train_images").resolve(uid).resolve("5.dcm");
        byte[] whole = Files.readAllBytes(slice);
        Files.write(slice, Arrays.copyOf(whole, whole.length / 2));

        Path work = preparedWork(shared.resolve("damaged-train"));
        JobExecution e = JobTestSupport.run(runner, "train-bbox", damaged, work, CONFIG);
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<String> rows = Files.readAllLines(work.resolve("skipped.csv")).stream()
                .filter(r -> r.startsWith("trainBbox,")).toList();
        assertThat(rows).hasSize(2);
        for (int fold : new int[] {0, 1}) {
            assertThat(rows.get(fold)).startsWith("trainBbox," + uid + ",5,")
                    .contains("fold" + fold + "-seed0: " + slice + ": length beyond end");
        }
        JobTestSupport.assertSkipCountsMatch(e, work.resolve("skipped.csv"));
        for (int fold : new int[] {0, 1}) {
            assertThat(TrainRun.of(work, "bbox-test", fold, 0).model()).isDirectory();
        }
    }

    @Test
    void aDivergingRunFailsWithTheReasonBeforeItsWeightsTurnNaN() throws Exception {
        source.disarm();
        Path config = shared.resolve("diverging.yaml");
        Files.writeString(config, Files.readString(Path.of(CONFIG)).replace("lr: 3.0e-3", "lr: 1.0e+30"));
        Path work = preparedWork(shared.resolve("diverging"));
        JobExecution e = JobTestSupport.run(runner, "train-bbox", data, work, config.toString());
        assertThat(e.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(e.getAllFailureExceptions()).anySatisfy(t -> {
            Throwable root = t;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).hasMessageMatching("bbox fold[01]-seed0 diverged: training loss (NaN|-?Infinity) at epoch 1, batch \\d+ .*lower bbox.lr.*");
        });
        for (int fold : new int[] {0, 1}) {
            assertThat(TrainRun.of(work, "diverging", fold, 0).model()).doesNotExist();
        }
    }

    @Test
    void aFailedInferencePartitionIsTheOnlyOneRerun() throws Exception {
        source.disarm();
        Path reference = preparedWork(shared.resolve("ref-infer"));
        assertThat(JobTestSupport.run(runner, "train-bbox", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        assertThat(JobTestSupport.run(runner, "infer-bbox", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);

        Path work = shared.resolve("resumed-infer");
        TestFiles.copyTree(reference.resolve("runs"), work.resolve("runs"));
        preparedWork(work);
        source.failAfter(60);
        JobExecution failed = JobTestSupport.run(runner, "infer-bbox", data, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        List<String> done = failed.getStepExecutions().stream()
                .filter(s -> s.getStepName().contains(":") && s.getStatus() == BatchStatus.COMPLETED)
                .map(StepExecution::getStepName).toList();
        source.disarm();
        JobExecution resumed = JobTestSupport.run(runner, "infer-bbox", data, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<String> rerun = resumed.getStepExecutions().stream().map(StepExecution::getStepName)
                .filter(n -> n.contains(":")).toList();
        assertThat(rerun).hasSize(1).doesNotContainAnyElementsOf(done);
        for (String f : List.of("train_bbox_slice_pred_v02.csv.gz", "train_bbox_pred_v02.csv.gz")) {
            assertThat(Files.readAllBytes(work.resolve(f))).as(f).isEqualTo(Files.readAllBytes(reference.resolve(f)));
        }
    }

    @Test
    void aTestSetIsPredictedWithEveryFoldsModels() throws Exception {
        source.disarm();
        Path trained = preparedWork(shared.resolve("trained-for-test"));
        assertThat(JobTestSupport.run(runner, "train-bbox", data, trained, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        // a test set: the same images under test_images/, no labels
        Path testSet = shared.resolve("test-set");
        TestFiles.copyTree(data.resolve("train_images"), testSet.resolve("test_images"));
        Path work = shared.resolve("test-work");
        TestFiles.copyTree(trained.resolve("runs"), work.resolve("runs"));
        JobExecution e = JobTestSupport.run(runner, "infer-bbox", testSet, work, CONFIG);
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<String> boxes = PrepareJobTestSupport.gunzip(work.resolve("test_bbox_pred_v02.csv.gz"));
        assertThat(boxes.get(0)).isEqualTo("StudyInstanceUID,x0,y0,x1,y1,slnum_from,slnum_to,slnum_max");
        assertThat(boxes).hasSize(7); // the 6 studies
        for (String row : boxes.subList(1, boxes.size())) {
            String[] f = row.split(",");
            try (var files = Files.list(testSet.resolve("test_images").resolve(f[0]))) {
                assertThat(Integer.parseInt(f[7])).as("slnum_max of " + f[0]).isEqualTo(files.count());
            }
        }
        assertThat(work.resolve("train_bbox_pred_v02.csv.gz")).doesNotExist();
    }
}
