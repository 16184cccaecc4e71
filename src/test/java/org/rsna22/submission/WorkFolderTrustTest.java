package org.rsna22.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rsna22.batch.DeadExecutionRecovery;
import org.rsna22.batch.JobRunner;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.DevicePool;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.FailingDicomSource;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.TestFiles;
import org.rsna22.testsupport.TrainedWorkFolder;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * Trust in what is on disk (issue 30), one test per way a trained work folder was found to mislead: a damaged model,
 * a changed config with a new job database, truncated caches, a submission of an earlier test set, test-set entries
 * that vanished, a reason buried in a stack trace, inference that was not reproducible. Each damages or changes a
 * copy of one trained work folder ({@link TrainedWorkFolder}) as a user did, then asserts the new outcome.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:submission;DB_CLOSE_DELAY=-1")
@Import({org.rsna22.testsupport.JobTestSupport.FailingSourceConfig.class, SubmissionJobsTest.FailingEpoch.class})
class WorkFolderTrustTest {

    static final String CONFIG = TrainedWorkFolder.CONFIG;
    static final String EXP = TrainedWorkFolder.EXPERIMENT;

    @Autowired
    JobRunner runner;

    @Autowired
    JobRepository repository;

    @Autowired
    JobOperator operator;

    @Autowired
    List<Job> jobs;

    @Autowired
    DeadExecutionRecovery recovery;

    @Autowired
    FailingDicomSource source;

    @Autowired
    DevicePool devices;

    @BeforeEach
    void disarm() {
        source.disarm(); // a failure another test of this context armed must not strike here
    }

    private Path copy(String name) throws Exception {
        return TrainedWorkFolder.copy(runner, source, name);
    }

    private JobExecution inferFracture(Path work, Path testSet, String config) throws Exception {
        return JobTestSupport.run(runner, "infer-fracture", testSet, work, config);
    }

    /** Overwrites 16 bytes in the middle of a file, its size unchanged (as a bad sector or a stray write). */
    private static void damage(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write("BBBBBBBBBBBBBBBB".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static Path studyModel(Path work, int fold) {
        return new WorkLayout(work).run(EXP, "study", fold, 0).model().resolve("study-0000.params");
    }

    // 1. a damaged study model

    @Test
    void aDamagedStudyModelIsLeftOutWithAWarningAndTheOtherFoldPredicts() throws Exception {
        Path damaged = copy("damaged-model");
        damage(studyModel(damaged, 0));
        JobExecution e = inferFracture(damaged, TrainedWorkFolder.testSet(), CONFIG);
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        StepExecution ensemble = step(e, "ensemble");
        assertThat(ensemble.getExitStatus().getExitDescription()).contains("1 study model", "WARNING", "1 left out",
                "runs/" + EXP + "/study/fold0/seed0/model/study-0000.params");
        assertThat(Files.readAllLines(new WorkLayout(damaged).skipped())).anySatisfy(l -> assertThat(l)
                .startsWith("ensemble,,,").contains(studyModel(damaged, 0).toString(), "checksum mismatch"));
        assertThat(runner.summary(e)).anySatisfy(l -> assertThat(l).contains("ensemble", "WARNING"));
        // what is predicted is fold 1's model alone: the same as a work folder that never had fold 0's
        Path fold1Only = copy("fold1-only");
        TestFiles.deleteQuietly(new WorkLayout(fold1Only).run(EXP, "study", 0, 0).dir());
        assertThat(inferFracture(fold1Only, TrainedWorkFolder.testSet(), CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        assertThat(Files.readString(new WorkLayout(damaged).submission()))
                .isEqualTo(Files.readString(new WorkLayout(fold1Only).submission()))
                .isNotEqualTo(Files.readString(new WorkLayout(TrainedWorkFolder.reference(runner, source)).submission()));
    }

    @Test
    void noUsableStudyModelFailsTheJobInsteadOfAnsweringThePrevalence() throws Exception {
        Path damaged = copy("no-usable-model");
        damage(studyModel(damaged, 0));
        damage(studyModel(damaged, 1));
        JobExecution e = inferFracture(damaged, TrainedWorkFolder.testSet(), CONFIG);
        assertThat(e.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(runner.failureReason(e)).startsWith("no usable study model: ").contains("checksum mismatch",
                studyModel(damaged, 0).toString(), studyModel(damaged, 1).toString());
        assertThat(new WorkLayout(damaged).submission()).doesNotExist();
    }

    @Test
    void aDamagedFinalModelIsWrittenAgainFromItsLastCheckpointWhenTheJobRunsAgain() throws Exception {
        Path work = copy("model-rewritten");
        Path params = studyModel(work, 1);
        byte[] good = Files.readAllBytes(params);
        damage(params);
        // a work folder the job database has not seen: every step runs, every model is already trained
        assertThat(JobTestSupport.run(runner, "train-fracture", TrainedWorkFolder.data(), work, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        assertThat(Files.readAllBytes(params)).isEqualTo(good);
    }

    // 2. a changed config

    @Test
    void aChangedConfigIsRefusedWhateverTheJobDatabaseAndRetrainStartsItsStaleRunsOver() throws Exception {
        Path work = copy("changed-config");
        // same experiment name (the file's), study.epochs 3 → 2; a work folder this job database has never seen
        Path changed = TrainedWorkFolder.scratch("changed").resolve("fracture-test.yaml");
        Files.writeString(changed, Files.readString(Path.of(CONFIG)).replace("  study:\n    epochs: 3\n",
                "  study:\n    epochs: 2\n"));
        assertThat(Files.readString(changed)).isNotEqualTo(Files.readString(Path.of(CONFIG)));
        assertThatThrownBy(() -> JobTestSupport.run(runner, "train-fracture", TrainedWorkFolder.data(), work,
                changed.toString())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fracture.study.epochs: 3 → 2")
                .hasMessageContaining("--rsna22.config-changed=retrain");
        // and so is any job of the experiment, the test set's too
        assertThatThrownBy(() -> inferFracture(work, TrainedWorkFolder.testSet(), changed.toString()))
                .hasMessageContaining("fracture.study.epochs: 3 → 2");

        WorkLayout w = new WorkLayout(work);
        byte[] vertebra = Files.readAllBytes(w.run(EXP, "vertebra", 0, 0).model().resolve("vertebra-0000.params"));
        StringWriter said = new StringWriter();
        JobRunner retrain = new JobRunner(jobs, operator, repository, recovery, "retrain", devices);
        JobExecution e = retrain.run("train-fracture", retrain.parameters("train-fracture", Map.of(
                "data", TrainedWorkFolder.data().toString(), "work", work.toString(), "config", changed.toString())),
                new PrintWriter(said));
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(said.toString()).contains("retrain: removed " + w.runs(EXP).resolve("study"));
        assertThat(Files.readAllLines(w.run(EXP, "study", 0, 0).metrics())).hasSize(1 + 2);
        // the runs the change does not touch are kept as they were
        assertThat(Files.readAllBytes(w.run(EXP, "vertebra", 0, 0).model().resolve("vertebra-0000.params")))
                .isEqualTo(vertebra);
        assertThat(Files.readString(w.experimentConfig(EXP))).contains("epochs: 2");
        // from now on the changed config is the one the folder's runs follow
        assertThat(inferFracture(work, TrainedWorkFolder.testSet(), changed.toString()).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
    }

    @Test
    void anotherExperimentOnTheSameFolderIsAnnouncedAndRefusedWhenItsFoldsDiffer() throws Exception {
        Path work = copy("other-experiment");
        Path dir = TrainedWorkFolder.scratch("other");
        Path sameFolds = dir.resolve("other-a.yaml");
        Files.writeString(sameFolds, Files.readString(Path.of(CONFIG)));
        StringWriter said = new StringWriter();
        JobExecution e = runner.run("prepare", runner.parameters("prepare", Map.of("data",
                TrainedWorkFolder.data().toString(), "work", work.toString(), "config", sameFolds.toString())),
                new PrintWriter(said));
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(said.toString()).contains("holds the outputs of experiment " + EXP, "of experiment other-a "
                + "replaces its shared outputs");
        Path otherFolds = dir.resolve("other-b.yaml");
        Files.writeString(otherFolds, Files.readString(Path.of(CONFIG)).replace("  folds: 2\n", "  folds: 3\n"));
        assertThatThrownBy(() -> JobTestSupport.run(runner, "prepare", TrainedWorkFolder.data(), work,
                otherFolds.toString())).hasMessageContaining("prepare.folds: 2 → 3")
                .hasMessageContaining("Use another work= folder");
    }

    // 3. truncated caches

    @Test
    void truncatedCropsAndEmbeddingsAreMadeAgainAndTheOutputsAreTheSame() throws Exception {
        Path ref = TrainedWorkFolder.reference(runner, source);
        Path work = copy("truncated-caches");
        WorkLayout w = new WorkLayout(work);
        String uid;
        try (var s = Files.list(w.crops(32))) {
            uid = s.sorted().findFirst().orElseThrow().getFileName().toString().replace(".crop", "");
        }
        Path crop = w.crop(32, uid);
        Path embedding = w.embedding(EXP, 0, 0, uid);
        if (!Files.exists(embedding)) {
            embedding = w.embedding(EXP, 1, 0, uid);
        }
        truncate(crop, 1000);
        truncate(embedding, 100);
        JobExecution e = JobTestSupport.run(runner, "train-fracture", TrainedWorkFolder.data(), work, CONFIG);
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        WorkLayout r = new WorkLayout(ref);
        assertThat(Files.readAllBytes(crop)).isEqualTo(Files.readAllBytes(r.crop(32, uid)));
        assertThat(Files.readAllBytes(embedding))
                .isEqualTo(Files.readAllBytes(r.root().resolve(w.root().relativize(embedding))));
        assertThat(Files.readAllBytes(w.oofStudyPredictions())).isEqualTo(Files.readAllBytes(r.oofStudyPredictions()));
    }

    private static void truncate(Path file, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
    }

    // 4. a submission belongs to its test set

    @Test
    void aFailedTestSetRunLeavesNoSubmissionOfAnEarlierOne() throws Exception {
        Path work = copy("empty-test-set");
        WorkLayout w = new WorkLayout(work);
        assertThat(w.submission()).exists();
        Path empty = TrainedWorkFolder.scratch("empty-test");
        Files.createDirectories(empty.resolve("test_images"));
        JobExecution boxes = JobTestSupport.run(runner, "infer-bbox", empty, work, CONFIG);
        assertThat(boxes.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(runner.failureReason(boxes)).contains("no study to predict");
        assertThat(w.submission()).doesNotExist();
        assertThat(w.bboxPred(WorkLayout.Subset.TEST)).doesNotExist();
        assertThat(inferFracture(work, empty, CONFIG).getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(w.submission()).doesNotExist();

        // a test.csv that infer-fracture refuses: the earlier submission is gone, none is written
        Path refused = TrainedWorkFolder.scratch("refused-test");
        TestFiles.copyTree(TrainedWorkFolder.testSet(), refused);
        Files.writeString(refused.resolve("test.csv"), "StudyInstanceUID\nnot-a-uid\n");
        Path work2 = copy("refused-test-csv");
        JobExecution refusedRun = inferFracture(work2, refused, CONFIG);
        assertThat(refusedRun.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(runner.failureReason(refusedRun)).contains("test.csv line 2", "not-a-uid");
        assertThat(new WorkLayout(work2).submission()).doesNotExist();
    }

    // 5. every test study is accounted for

    @Test
    void everyEntryOfTestImagesThatIsNotAUsableStudyHasASkipRowWithItsReason() throws Exception {
        Path work = copy("odd-entries");
        Path odd = TrainedWorkFolder.scratch("odd-test");
        Path images = Files.createDirectories(odd.resolve("test_images"));
        List<String> good;
        try (var s = Files.list(TrainedWorkFolder.testSet().resolve("test_images"))) {
            good = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(TrainedWorkFolder.BAD_UID)).sorted()
                    .toList();
        }
        Path from = TrainedWorkFolder.testSet().resolve("test_images");
        TestFiles.copyTree(from.resolve(good.get(0)), images.resolve(good.get(0)));
        TestFiles.copyTree(from.resolve(good.get(1)), images.resolve(good.get(1)));
        TestFiles.copyTree(from.resolve(good.get(2)), images.resolve("not-a-uid"));
        Files.writeString(images.resolve(".DS_Store"), "finder");
        String oneSlice = "1.2.826.0.1.3680043.77001";
        Files.createDirectories(images.resolve(oneSlice));
        Files.copy(from.resolve(good.get(0)).resolve("1.dcm"), images.resolve(oneSlice).resolve("1.dcm"));
        String mixed = "1.2.826.0.1.3680043.77002";
        TestFiles.copyTree(from.resolve(good.get(2)), images.resolve(mixed));
        Path other = TrainedWorkFolder.scratch("other-size");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(1, 24, 9, 24, 1, true)).generate(other, null);
        try (var s = Files.list(other.resolve("train_images"))) {
            Path study = s.findFirst().orElseThrow();
            Files.copy(study.resolve("5.dcm"), images.resolve(mixed).resolve("5.dcm"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        JobExecution boxes = JobTestSupport.run(runner, "infer-bbox", odd, work, CONFIG);
        assertThat(boxes.getStatus()).as(runner.failureReason(boxes)).isEqualTo(BatchStatus.COMPLETED);
        WorkLayout w = new WorkLayout(work);
        List<String> skipped = Files.readAllLines(w.skipped());
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("inferBbox,not-a-uid,,")
                .contains("is not a DICOM UID"));
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("inferBbox,.DS_Store,,").contains("is a file"));
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("inferBbox," + oneSlice + ",,")
                .contains("only 1 slice file"));
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("inferBbox," + mixed + ",,")
                .contains("mixes slice sizes", "5.dcm 24x24"));
        assertThat(step(boxes, "inferBbox").getSkipCount() + step(boxes, "studyBoxes").getSkipCount()).isEqualTo(4);
        // 2 of the 4 test studies cannot be predicted: within a max_skip_share of 0.5, and each says why
        Path lenient = TrainedWorkFolder.scratch("lenient").resolve("fracture-test.yaml");
        Files.writeString(lenient, Files.readString(Path.of(CONFIG)).replace("max_skip_share: 0.3",
                "max_skip_share: 0.5"));
        JobExecution answers = inferFracture(work, odd, lenient.toString());
        assertThat(answers.getStatus()).as(runner.failureReason(answers)).isEqualTo(BatchStatus.COMPLETED);
        skipped = Files.readAllLines(w.skipped());
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("submission," + oneSlice + ",,")
                .contains("only 1 slice file", "training prevalence"));
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("submission," + mixed + ",,")
                .contains("mixes slice sizes", "training prevalence"));
        assertThat(Files.readAllLines(w.submission())).hasSize(1 + 4 * 8);
        // with the default share (here 0.3) the job fails rather than answer half the test set with the prevalence
        Path strict = copy("odd-entries-strict");
        assertThat(JobTestSupport.run(runner, "infer-bbox", odd, strict, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        JobExecution refused = inferFracture(strict, odd, CONFIG);
        assertThat(refused.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(runner.failureReason(refused)).contains("2 of 4 test studies could not be predicted",
                "no submission.csv written");
        assertThat(new WorkLayout(strict).submission()).doesNotExist();
    }

    // 6. the reason is the first line of the summary and the last line of the output: FailureReasonIT (the jar)
    // 7. inference is reproducible from one process to the next: ReproducibleInferenceIT (the jar)

    private static StepExecution step(JobExecution e, String name) {
        return e.getStepExecutions().stream().filter(s -> s.getStepName().equals(name)).findFirst().orElseThrow();
    }
}
