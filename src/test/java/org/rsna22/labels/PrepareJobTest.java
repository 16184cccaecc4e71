package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.dataset.Csv;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.FailingDicomSource;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.rsna22.testsupport.TestFiles;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/** The prepare job end to end on generated studies: exact boxes, restart after a failure, bad input. */
@SpringBootTest(properties = {
    "spring.datasource.url=jdbc:h2:mem:prepare;DB_CLOSE_DELAY=-1",
    "rsna22.prepare.slice-chunk-size=10"})
@Import(JobTestSupport.FailingSourceConfig.class)
class PrepareJobTest {

    static final String CONFIG = Path.of("src/test/resources/prepare-test.yaml").toAbsolutePath().toString();
    static final String[] OUTPUTS = {"train_folded_v01.csv", "slice_meta_v01.csv.gz", "train_bbox_v01.csv.gz",
        "train_all_slices_v01.csv.gz", "skipped.csv"};

    @TempDir
    static Path shared;
    static Path dataset;
    static Path reference;
    static JobExecution referenceExecution;
    static int files;

    @Autowired
    JobRunner runner;

    @Autowired
    FailingDicomSource source;

    @Autowired
    JobRepository repository;

    @BeforeAll
    static void generate() throws IOException {
        dataset = shared.resolve("dataset");
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(
                new DemoDatasetGenerator.Options(6, 32, 5, 40, 2)).generate(dataset, null);
        files = studies.stream().mapToInt(DemoDatasetGenerator.StudyInfo::slices).sum();
    }

    @BeforeEach
    void referenceRun() throws Exception {
        source.disarm();
        if (reference == null) {
            reference = shared.resolve("reference");
            referenceExecution = JobTestSupport.run(runner, "prepare", dataset, reference, CONFIG);
            assertThat(referenceExecution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        }
    }

    @Test
    void gzippedSegmentationsGiveTheSameBoxes() throws Exception {
        Path copy = shared.resolve("gz-dataset");
        TestFiles.copyTree(dataset, copy);
        try (var segs = Files.list(copy.resolve("segmentations"))) {
            for (Path nii : segs.toList()) {
                try (var out = new GZIPOutputStream(Files.newOutputStream(nii.resolveSibling(nii.getFileName() + ".gz")))) {
                    out.write(Files.readAllBytes(nii));
                }
                Files.delete(nii);
            }
        }
        Path work = shared.resolve("gz-work");
        assertThat(JobTestSupport.run(runner, "prepare", copy, work, CONFIG).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(PrepareJobTestSupport.gunzip(work.resolve("train_bbox_v01.csv.gz")))
                .isEqualTo(PrepareJobTestSupport.gunzip(reference.resolve("train_bbox_v01.csv.gz")));
    }

    @Test
    void boxLabelsEqualTheGeneratorsGroundTruthForEveryStorageVariant() throws IOException {
        Map<String, List<String>> truth = new HashMap<>();
        for (String line : Files.readAllLines(dataset.resolve("demo_truth/slice_boxes.csv")).subList(1, files + 1)) {
            List<String> f = Csv.parse(line);
            truth.put(f.get(0) + "/" + f.get(1), f.subList(2, 7));
        }
        List<String> rows = PrepareJobTestSupport.gunzip(reference.resolve("train_bbox_v01.csv.gz"));
        assertThat(rows.get(0)).isEqualTo("StudyInstanceUID,slice_number,x0,y0,x1,y1,has_box,height,width,fold");
        int boxes = 0;
        for (String line : rows.subList(1, rows.size())) {
            List<String> f = Csv.parse(line);
            assertThat(f.subList(2, 7)).as(line).isEqualTo(truth.get(f.get(0) + "/" + f.get(1)));
            assertThat(Integer.parseInt(f.get(7))).isEqualTo(Integer.parseInt(f.get(4)) - Integer.parseInt(f.get(2)));
            boxes += f.get(6).equals("1") ? 1 : 0;
        }
        // studies 0,1,2,4,5 are segmented (every 4th from index 3 is not); they cover both z directions,
        // signed and unsigned storage, RLE and a non-square image
        List<String> studies = Files.readAllLines(reference.resolve("parts/prepare/studies.csv"));
        long segmentedSlices = studies.subList(1, studies.size()).stream().map(StudyEntry::parse)
                .filter(StudyEntry::segmented).mapToInt(StudyEntry::files).sum();
        assertThat(rows).hasSize((int) segmentedSlices + 1);
        assertThat(boxes).isPositive();
        assertThat(PrepareJobTestSupport.gunzip(reference.resolve("slice_meta_v01.csv.gz"))).hasSize(files + 1);
        assertThat(PrepareJobTestSupport.gunzip(reference.resolve("train_all_slices_v01.csv.gz"))).hasSize(files + 1);
        assertThat(Files.readAllLines(reference.resolve("train_folded_v01.csv"))).hasSize(7);
    }

    @Test
    void failureInSliceMetadataResumesFromTheLastChunkAndGivesIdenticalOutputs(@TempDir Path work) throws Exception {
        // slice 25 of the first study: its partition (studies-0000) has committed two chunks of 10 by then
        String first = StudyEntry.parse(Files.readAllLines(reference.resolve("parts/prepare/studies.csv")).get(1)).studyUid();
        source.failOn(dataset.resolve("train_images").resolve(first).resolve("25.dcm"));
        JobExecution failed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        List<String> completedBefore = partitions(failed, "sliceMetadataPartition", BatchStatus.COMPLETED);
        StepExecution failedPartition = partitionsOf(failed, "sliceMetadataPartition").stream()
                .filter(s -> s.getStatus() == BatchStatus.FAILED).findFirst().orElseThrow();
        assertThat(failedPartition.getWriteCount()).as("committed before the failure").isPositive();

        source.disarm();
        JobExecution resumed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(resumed.getJobInstance().getId()).isEqualTo(failed.getJobInstance().getId());
        List<String> rerun = partitionsOf(resumed, "sliceMetadataPartition").stream().map(StepExecution::getStepName).toList();
        assertThat(rerun).doesNotContainAnyElementsOf(completedBefore).contains(failedPartition.getStepName());
        StepExecution again = partitionsOf(resumed, "sliceMetadataPartition").stream()
                .filter(s -> s.getStepName().equals(failedPartition.getStepName())).findFirst().orElseThrow();
        StepExecution whole = partitionsOf(referenceExecution, "sliceMetadataPartition").stream()
                .filter(s -> s.getStepName().equals(failedPartition.getStepName())).findFirst().orElseThrow();
        assertThat(again.getReadCount()).as("the restarted partition reads only what was not committed")
                .isEqualTo(whole.getReadCount() - failedPartition.getWriteCount());
        assertIdenticalOutputs(work);
    }

    @Test
    void failureInBboxLabelsRerunsOnlyTheFailedPartition(@TempDir Path work) throws Exception {
        source.failAfter(files + 30); // past all slice headers, inside the second segmented study
        JobExecution failed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(step(failed, "sliceMetadata").getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(step(failed, "bboxLabels").getStatus()).isEqualTo(BatchStatus.FAILED);

        source.disarm();
        JobExecution resumed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(resumed.getStepExecutions()).extracting(StepExecution::getStepName)
                .doesNotContain("studyList", "folds", "sliceMetadata", "sliceMetadataMerge");
        assertThat(partitionsOf(resumed, "bboxLabelsPartition")).hasSize(1);
        assertIdenticalOutputs(work);
    }

    /**
     * The case that lost rows: after a failure, one completed part file deleted and another cut short. The merge
     * checks every part against what its partition recorded and fails naming both; the restart runs those two
     * partitions again and ends with the reference outputs.
     */
    @Test
    void damagedPartFilesAreNamedByTheMergeAndRerunOnRestart(@TempDir Path work) throws Exception {
        source.failAfter(files + 30); // sliceMetadata completes, bboxLabels fails
        JobExecution failed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        source.disarm();
        // the box-label parts of partitions that completed (merged after the restart): one deleted, one cut short
        Path parts = work.resolve("parts/prepare/bboxLabels");
        List<Path> completed = partitions(failed, "bboxLabelsPartition", BatchStatus.COMPLETED).stream()
                .map(n -> parts.resolve(n.substring(n.indexOf(':') + 1) + ".csv")).sorted().toList();
        assertThat(completed).isNotEmpty();
        Path deleted = completed.get(0);
        Files.delete(deleted);
        Path cut = completed.size() > 1 ? completed.get(1) : null;
        byte[] b = cut == null ? new byte[0] : Files.readAllBytes(cut);
        if (cut != null) {
            Files.write(cut, Arrays.copyOf(b, b.length / 2));
        }
        int damaged = cut == null ? 1 : 2;

        JobExecution refused = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(refused.getStatus()).isEqualTo(BatchStatus.FAILED);
        String why = refused.getAllFailureExceptions().get(0).getMessage();
        assertThat(why).contains("bboxLabels: " + damaged + " part files do not match what their partitions wrote")
                .contains(deleted + " is missing");
        if (cut != null) {
            assertThat(why).contains(cut + " has " + b.length / 2 + " bytes");
        }
        assertThat(work.resolve("train_bbox_v01.csv.gz")).doesNotExist();

        JobExecution repaired = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        assertThat(repaired.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(partitionsOf(repaired, "bboxLabelsPartition")).hasSize(damaged);
        assertIdenticalOutputs(work);
    }

    /**
     * An execution that ended UNKNOWN (as when its end cannot be recorded on a full disk): restart says what happened
     * and how to go on; with --recover-unknown it continues after the completed steps to the reference outputs.
     */
    @Test
    void anUnknownExecutionIsRestartedOnlyWhenAskedAndThenCompletes(@TempDir Path work) throws Exception {
        source.failAfter(files + 30); // sliceMetadata completes, bboxLabels fails
        JobExecution failed = JobTestSupport.run(runner, "prepare", dataset, work, CONFIG);
        source.disarm();
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        for (StepExecution st : failed.getStepExecutions()) {
            if (st.getStatus() == BatchStatus.FAILED) {
                st.setStatus(BatchStatus.UNKNOWN);
                repository.update(st);
            }
        }
        failed.setStatus(BatchStatus.UNKNOWN);
        repository.update(failed);

        assertThatThrownBy(() -> runner.restartLatest("prepare", new PrintWriter(new StringWriter())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("execution " + failed.getId() + " of prepare ended UNKNOWN")
                .hasMessageContaining("restart prepare --recover-unknown");
        assertThatThrownBy(() -> JobTestSupport.run(runner, "prepare", dataset, work, CONFIG))
                .hasMessageContaining("--recover-unknown");
        StringWriter said = new StringWriter();
        JobExecution recovered = runner.restartLatest("prepare", new PrintWriter(said), true);
        assertThat(said.toString()).contains("ended UNKNOWN: marked FAILED");
        assertThat(recovered.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(recovered.getStepExecutions()).extracting(StepExecution::getStepName)
                .doesNotContain("studyList", "folds", "sliceMetadata", "sliceMetadataMerge");
        assertIdenticalOutputs(work);
    }

    private static void assertIdenticalOutputs(Path work) throws IOException {
        for (String name : OUTPUTS) {
            assertThat(Files.readAllBytes(work.resolve(name))).as(name)
                    .isEqualTo(Files.readAllBytes(reference.resolve(name)));
        }
    }

    private static StepExecution step(JobExecution e, String name) {
        return e.getStepExecutions().stream().filter(s -> s.getStepName().equals(name)).findFirst().orElseThrow();
    }

    private static List<StepExecution> partitionsOf(JobExecution e, String worker) {
        List<StepExecution> out = new ArrayList<>();
        for (StepExecution s : e.getStepExecutions()) {
            if (s.getStepName().startsWith(worker + ":")) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<String> partitions(JobExecution e, String worker, BatchStatus status) {
        return partitionsOf(e, worker).stream().filter(s -> s.getStatus() == status).map(StepExecution::getStepName).toList();
    }
}
