package org.rsna22.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.testsupport.FailingDicomSource;
import org.rsna22.testsupport.HeadlessChromium;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.rsna22.testsupport.TestFiles;
import org.rsna22.testsupport.TrainedWorkFolder;
import org.rsna22.training.TrainRun;
import org.rsna22.training.TrainingListener;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;

/**
 * infer-fracture on a test set with an unreadable study (submission.csv, its score against the truth computed here
 * independently, a failed partition restarted), and the pipeline job failed inside train-fracture and restarted
 * without rerunning the earlier stages, ending with the outputs of the stages run one by one.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:submission;DB_CLOSE_DELAY=-1")
@Import({JobTestSupport.FailingSourceConfig.class, SubmissionJobsTest.FailingEpoch.class})
class SubmissionJobsTest {

    static final String CONFIG = TrainedWorkFolder.CONFIG;
    static final String BAD_UID = TrainedWorkFolder.BAD_UID;

    /**
     * Throws once when the study model's run of fold 1 starts its second epoch; runs {@code whenBboxStarts} once when
     * the box localiser's first run starts.
     */
    @TestConfiguration
    static class FailingEpoch {
        static volatile boolean armed;
        static volatile Runnable whenBboxStarts;

        @Bean
        TrainingListener failingStudyEpoch() {
            return new TrainingListener() {
                @Override
                public void onEpochStart(TrainRun run, int epoch) {
                    Runnable edit = whenBboxStarts;
                    if (edit != null && run.experiment().equals("fracture-test") && epoch == 0) {
                        whenBboxStarts = null;
                        edit.run();
                    }
                    if (armed && epoch == 1 && (run.experiment() + "/" + run.name()).equals("fracture-test/study/fold1-seed0")) {
                        armed = false;
                        throw new IllegalStateException("injected failure in the study model's second epoch");
                    }
                }
            };
        }
    }

    static Path data;
    static Path testSet;
    static Path labels;
    @TempDir
    static Path shared;

    @Autowired
    JobRunner runner;

    @Autowired
    JobRepository repository;

    @Autowired
    FailingDicomSource source;

    @BeforeAll
    static void datasets() throws IOException {
        data = TrainedWorkFolder.data();
        testSet = TrainedWorkFolder.testSet();
        labels = TrainedWorkFolder.labels();
    }

    /** Every stage run as its own job, then infer-bbox and infer-fracture on the test set (once per test JVM). */
    private Path reference() throws Exception {
        return TrainedWorkFolder.reference(runner, source);
    }

    @Test
    void aTestSetGetsEightValidRowsPerStudyAndTheUnreadableOneThePrevalence() throws Exception {
        WorkLayout w = new WorkLayout(reference());
        List<String> rows = Files.readAllLines(w.submission());
        assertThat(rows.get(0)).isEqualTo("row_id,fractured");
        assertThat(rows).hasSize(1 + 4 * 8);
        Map<String, Double> p = new HashMap<>();
        for (String r : rows.subList(1, rows.size())) {
            String[] f = r.split(",");
            assertThat(p.put(f[0], Double.parseDouble(f[1]))).as("row " + f[0] + " once").isNull();
            assertThat(Double.parseDouble(f[1])).isBetween(1e-6, 1 - 1e-6);
        }
        List<String> uids = Files.readAllLines(labels).stream().skip(1).map(r -> r.split(",")[0]).toList();
        for (String uid : uids) {
            for (String t : List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7", "patient_overall")) {
                assertThat(p).containsKey(uid + "_" + t);
            }
        }
        // the unreadable study: the prevalence of the 6 training studies, counted here from train.csv
        List<String> train = Files.readAllLines(data.resolve("train.csv"));
        List<String> header = List.of(train.get(0).split(","));
        for (String t : List.of("patient_overall", "C1", "C4", "C7")) {
            int col = header.indexOf(t);
            double prevalence = train.stream().skip(1).mapToInt(r -> Integer.parseInt(r.split(",")[col])).sum() / 6.0;
            assertThat(p.get(BAD_UID + "_" + t)).as(t).isCloseTo(Math.min(1 - 1e-6, Math.max(1e-6, prevalence)),
                    within(1e-12));
        }
        List<String> skipped = Files.readAllLines(w.skipped());
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("inferBbox," + BAD_UID + ",,").contains("1.dcm"));
        assertThat(skipped).anySatisfy(l -> assertThat(l).startsWith("submission," + BAD_UID + ",,")
                .contains("training prevalence"));
        // score (the command's code) equals the metric computed here from the file
        double expected = independentScore(w.submission(), labels);
        assertThat(SubmissionScore.score(w.submission(), labels).overall()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void aFailedInferFracturePartitionIsTheOnlyOneRerunAndTheSubmissionIsTheSame() throws Exception {
        WorkLayout ref = new WorkLayout(reference());
        Path work = shared.resolve("infer-restart");
        TestFiles.copyTree(ref.root(), work);
        Files.delete(work.resolve("submission.csv"));
        WorkLayout w = new WorkLayout(work);
        AtomicFiles.deleteTree(w.crops(WorkLayout.Subset.TEST, 32));
        // one test study fails (not a skippable error) on the first slice of its crop
        String third = Files.readAllLines(labels).get(3).split(",")[0];
        String box = PrepareJobTestSupport.gunzip(w.bboxPred(WorkLayout.Subset.TEST)).stream()
                .filter(r -> r.startsWith(third + ",")).findFirst().orElseThrow();
        int from = Math.max(1, Integer.parseInt(box.split(",")[5]) - 2);
        source.failOn(testSet.resolve("test_images").resolve(third).resolve(from + ".dcm"));
        JobExecution failed = JobTestSupport.run(runner, "infer-fracture", testSet, work, CONFIG);
        source.disarm();
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(work.resolve("submission.csv")).doesNotExist();
        JobExecution resumed = JobTestSupport.run(runner, "infer-fracture", testSet, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(resumed.getStepExecutions().stream().map(StepExecution::getStepName)
                .filter(n -> n.startsWith("inferFracturePartition:")).toList()).hasSize(1);
        assertThat(Files.readString(work.resolve("submission.csv"))).isEqualTo(Files.readString(ref.submission()));
    }

    /**
     * Also: the config file edited while the pipeline runs (at train-bbox: fewer study epochs, another M3 rate) changes
     * nothing of this run; its later stages read the config as the pipeline started (the injected failure still
     * comes in the study model's second epoch, and the outputs equal the reference's).
     */
    @Test
    void thePipelineFailedInTrainFractureRestartsThereAndEndsWithTheStagesOutputs() throws Exception {
        WorkLayout ref = new WorkLayout(reference());
        Path work = shared.resolve("pipeline");
        Path config = Files.createDirectories(shared.resolve("pipeline-config")).resolve("fracture-test.yaml");
        String original = Files.readString(Path.of(CONFIG));
        Files.writeString(config, original);
        Map<String, String> params = new LinkedHashMap<>(Map.of("data", data.toString(), "work", work.toString(),
                "config", config.toString(), "test", testSet.toString()));
        FailingEpoch.armed = true;
        String edited = original.replace("  study:\n    epochs: 3", "  study:\n    epochs: 1")
                .replace("    schedule: constant\n    epochs: 3\n    batch_size: 4\n    lr: 3.0e-4",
                        "    schedule: constant\n    epochs: 3\n    batch_size: 4\n    lr: 3.0e-2");
        assertThat(edited).contains("epochs: 1").contains("lr: 3.0e-2");
        FailingEpoch.whenBboxStarts = () -> {
            try {
                Files.writeString(config, edited);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        JobExecution failed;
        try {
            failed = JobTestSupport.run(runner, "pipeline", params);
        } finally {
            FailingEpoch.whenBboxStarts = null;
        }
        assertThat(Files.readString(config)).isEqualTo(edited);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getStepExecutions().stream().filter(s -> s.getStatus() == BatchStatus.FAILED)
                .map(StepExecution::getStepName).toList()).containsExactly("train-fracture");
        // meanwhile a crop and an embedding that the resumed study model reads are cut short: made again on reading
        WorkLayout w = new WorkLayout(work);
        String uid;
        try (var s = Files.list(w.crops(32))) {
            uid = s.sorted().findFirst().orElseThrow().getFileName().toString().replace(".crop", "");
        }
        try (var crop = new java.io.RandomAccessFile(w.crop(32, uid).toFile(), "rw");
             var embedding = new java.io.RandomAccessFile(w.embedding("fracture-test", 1, 0, uid).toFile(), "rw")) {
            crop.setLength(1000);
            embedding.setLength(100);
        }
        Files.writeString(config, original); // a run after an edit is refused (config changed); as it started, it goes on
        JobExecution resumed = JobTestSupport.run(runner, "pipeline", params);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(resumed.getStepExecutions().stream().map(StepExecution::getStepName).toList())
                .containsExactly("train-fracture", "infer-bbox-test", "infer-fracture", "report");
        // from the job repository: one execution of each earlier stage on this work folder, two of train-fracture
        assertThat(executions("prepare", data, work)).isEqualTo(1);
        assertThat(executions("train-bbox", data, work)).isEqualTo(1);
        assertThat(executions("infer-bbox", data, work)).isEqualTo(1);
        assertThat(executions("train-fracture", data, work)).isEqualTo(2);
        assertThat(executions("infer-bbox", testSet, work)).isEqualTo(1);
        WorkLayout p = new WorkLayout(work);
        for (Path out : List.of(ref.bboxPred(WorkLayout.Subset.TRAIN), ref.oofStudyPredictions(),
                ref.bboxPred(WorkLayout.Subset.TEST))) {
            assertThat(PrepareJobTestSupport.gunzip(p.root().resolve(out.getFileName())))
                    .as(out.getFileName().toString()).isEqualTo(PrepareJobTestSupport.gunzip(out));
        }
        assertThat(Files.readString(p.submission())).isEqualTo(Files.readString(ref.submission()));
        assertThat(Files.readString(p.cvScore())).isEqualTo(Files.readString(ref.cvScore()));
        assertThat(Files.readAllBytes(p.crop(32, uid))).isEqualTo(Files.readAllBytes(ref.crop(32, uid)));
    }

    @Test
    void theReportRendersInChromiumWithEveryImageLoaded() throws Exception {
        ExternalTools.require(HeadlessChromium.BINARY, "chromium");
        WorkLayout w = new WorkLayout(reference());
        assertThat(JobTestSupport.run(runner, "report", data, w.root(), CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        String html = Files.readString(w.reportIndex());
        assertThat(html).contains("Out-of-fold score", "Training curves", "ROC curves", "Study boxes", "Studies")
                .doesNotContain("http://", "https://"); // nothing fetched at view time
        List<Path> gifs;
        try (var s = Files.list(w.report().resolve("studies"))) {
            gifs = s.sorted().toList();
        }
        assertThat(gifs).hasSize(3);
        for (Path gif : gifs) {
            try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
                ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
                reader.setInput(in);
                assertThat(reader.getNumImages(true)).as(gif.toString()).isGreaterThan(10);
                reader.dispose();
            }
        }
        try (HeadlessChromium chromium = HeadlessChromium.start(1280, 1000)) {
            chromium.open(w.reportIndex().toUri().toString());
            JsonNode images = chromium.evaluate("Promise.all([...document.images].map(i => i.decode().then("
                    + "() => ({alt: i.alt, width: i.naturalWidth}), () => ({alt: i.alt, width: 0}))))");
            assertThat(images.size()).as("pictures on the page").isGreaterThanOrEqualTo(20);
            for (JsonNode img : images) {
                assertThat(img.get("width").asInt()).as(img.get("alt").asString()).isPositive();
            }
            assertThat(chromium.evaluate("document.title").asString()).startsWith("rsna22 report");
            assertThat(chromium.errors()).isEmpty();
            chromium.screenshot(Path.of("target/report-screenshot.png"));
        }
    }

    /** How many executions the job has with these data and work folders. */
    private long executions(String job, Path dataDir, Path work) {
        long n = 0;
        for (JobInstance i : repository.getJobInstances(job, 0, 1000)) {
            for (JobExecution e : repository.getJobExecutions(i)) {
                if (dataDir.toAbsolutePath().normalize().toString().equals(e.getJobParameters().getString("data"))
                        && work.toAbsolutePath().normalize().toString().equals(e.getJobParameters().getString("work"))) {
                    n++;
                }
            }
        }
        return n;
    }

    /** SPEC §2 from the two files, written out again here: weights 1/2 and 7/14, mean of the per-study losses. */
    private static double independentScore(Path submission, Path labelCsv) throws IOException {
        Map<String, Double> p = new HashMap<>();
        for (String r : Files.readAllLines(submission, StandardCharsets.UTF_8).subList(1, 33)) {
            p.put(r.split(",")[0], Double.parseDouble(r.split(",")[1]));
        }
        List<String> rows = Files.readAllLines(labelCsv);
        List<String> header = List.of(rows.get(0).split(","));
        double total = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            double num = 0;
            double den = 0;
            for (int c = 1; c < header.size(); c++) {
                int y = Integer.parseInt(f[c]);
                double w = (header.get(c).equals("patient_overall") ? 7 : 1) * (y == 1 ? 2 : 1);
                double q = p.get(f[0] + "_" + header.get(c));
                num += w * -(y == 1 ? Math.log(q) : Math.log(1 - q));
                den += w;
            }
            total += num / den;
        }
        return total / (rows.size() - 1);
    }
}
