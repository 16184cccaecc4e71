package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.dataset.Csv;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.nifti.NiftiReader;
import org.rsna22.io.nifti.NiftiWriter;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.rsna22.testsupport.TestFiles;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** A dataset with broken pieces completes; every problem is in skipped.csv with a reason. */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:bad-input;DB_CLOSE_DELAY=-1")
class PrepareBadInputTest {

    @Autowired
    JobRunner runner;

    @Test
    void brokenFilesAndStudiesAreSkippedWithReasons(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("dataset");
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(
                new DemoDatasetGenerator.Options(6, 32, 9, 30, 2)).generate(data, null);
        String truncatedStudy = studies.get(0).uid();
        Path truncated = data.resolve("train_images").resolve(truncatedStudy).resolve("7.dcm");
        byte[] full = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(full, full.length - 100));
        Files.write(data.resolve("train_images").resolve(studies.get(1).uid()).resolve(".DS_Store"), new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'});
        // a study folder with no images (its files removed)
        String empty = studies.get(3).uid();
        try (var s = Files.list(data.resolve("train_images").resolve(empty))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        // a segmentation with three slices too many, on the study's own grid
        DemoDatasetGenerator.StudyInfo wrong = studies.get(4);
        int slices = wrong.slices() + 3;
        Path seg = data.resolve("segmentations").resolve(wrong.uid() + ".nii");
        NiftiWriter.writeLabels(seg, wrong.columns(), wrong.rows(), slices,
                new byte[wrong.columns() * wrong.rows() * slices], NiftiReader.read(seg).affine());
        // a study excluded by config: name it in a config file
        Path config = tmp.resolve("exp.yaml");
        Files.writeString(config, "prepare:\n  max_skip_share: 0.5\n  excluded_studies: [" + studies.get(5).uid() + "]\n");

        JobExecution e = JobTestSupport.run(runner, "prepare", data, tmp.resolve("work"), config.toString());
        assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        JobTestSupport.assertSkipCountsMatch(e, tmp.resolve("work/skipped.csv"));

        List<List<String>> skipped = Files.readAllLines(tmp.resolve("work/skipped.csv")).stream().skip(1)
                .map(Csv::parse).toList();
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("studyList", empty, "");
            assertThat(r.get(3)).isEqualTo("train_images/" + empty + " holds no image files");
        });
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("studyList", studies.get(5).uid(), "");
            assertThat(r.get(3)).isEqualTo("excluded by config (prepare.excluded_studies)");
        });
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("sliceMetadata", truncatedStudy, "7");
            assertThat(r.get(3)).startsWith(truncated + ": truncated at tag (7FE0,0010)")
                    .contains("pixel data declares");
        });
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("sliceMetadata", studies.get(1).uid(), "");
            assertThat(r.get(3)).endsWith(".DS_Store: not a slice file (expected <slice_number>.dcm)");
        });
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 2)).containsExactly("bboxLabels", wrong.uid());
            assertThat(r.get(3)).contains("does not fit its series: segmentation is 32×" + wrong.rows() + "×" + slices
                    + " voxels but the series has " + wrong.slices() + " slices");
        });
        // the study with a truncated slice cannot be aligned either: skipped with the slice named
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 2)).containsExactly("bboxLabels", truncatedStudy);
            assertThat(r.get(3)).startsWith("slice 7 cannot be read, so the mask cannot be aligned");
        });
        assertThat(skipped).hasSize(6);
        List<String> meta = PrepareJobTestSupport.gunzip(tmp.resolve("work/slice_meta_v01.csv.gz"));
        int expected = studies.get(0).slices() - 1 + studies.get(1).slices() + studies.get(2).slices() + studies.get(4).slices();
        assertThat(meta).hasSize(expected + 1);
    }

    @Test
    void aRejectedLabelRowIsTheOnlyReasonGivenForItsStudy(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("dataset");
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(
                new DemoDatasetGenerator.Options(4, 32, 9, 20, 2)).generate(data, null);
        String uid = studies.get(1).uid();
        List<String> lines = Files.readAllLines(data.resolve("train.csv"));
        Files.write(data.resolve("train.csv"), lines.stream()
                .map(l -> l.startsWith(uid + ",") ? uid + ",x,0,0,0,0,0,0,0" : l).toList());
        Path config = tmp.resolve("exp.yaml");
        Files.writeString(config, "prepare:\n  max_skip_share: 0.5\n");
        assertThat(JobTestSupport.run(runner, "prepare", data, tmp.resolve("work"), config.toString()).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        List<List<String>> skipped = Files.readAllLines(tmp.resolve("work/skipped.csv")).stream().skip(1)
                .map(Csv::parse).filter(r -> r.get(1).equals(uid)).toList();
        assertThat(skipped).hasSize(1);
        assertThat(skipped.get(0).get(3)).doesNotContain("has no row in train.csv");
    }

    @Test
    void pipesAndLinksOutOfTheDatasetAreSkippedWithTheirReason(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("dataset");
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(
                new DemoDatasetGenerator.Options(4, 32, 9, 20, 2)).generate(data, null);
        Path study = data.resolve("train_images").resolve(studies.get(0).uid());
        Path pipe = study.resolve("998.dcm");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
        Path outside = tmp.resolve("outside.dcm");
        Files.copy(study.resolve("1.dcm"), outside);
        Path link = study.resolve("999.dcm");
        Files.createSymbolicLink(link, outside);
        Path config = tmp.resolve("exp.yaml");
        Files.writeString(config, "prepare:\n  max_skip_share: 0.5\n");

        assertThat(JobTestSupport.run(runner, "prepare", data, tmp.resolve("work"), config.toString()).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        List<List<String>> skipped = Files.readAllLines(tmp.resolve("work/skipped.csv")).stream().skip(1)
                .map(Csv::parse).toList();
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("sliceMetadata", studies.get(0).uid(), "998");
            assertThat(r.get(3)).isEqualTo(pipe + ": not a regular file (a pipe, device, socket or broken link)");
        });
        assertThat(skipped).anySatisfy(r -> {
            assertThat(r.subList(0, 3)).containsExactly("sliceMetadata", studies.get(0).uid(), "999");
            assertThat(r.get(3)).startsWith(link + ": a link to ").contains("outside the dataset");
        });
        List<String> boxes = PrepareJobTestSupport.gunzip(tmp.resolve("work/train_bbox_v01.csv.gz"));
        assertThat(boxes).noneMatch(l -> l.contains("," + "998,") || l.contains(",999,"));
    }

    @Test
    void tooManySkipsFailTheJobWithTheNumbers(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("dataset");
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(
                new DemoDatasetGenerator.Options(2, 32, 3, 20, 1)).generate(data, null);
        Path folder = data.resolve("train_images").resolve(studies.get(0).uid());
        Path saved = TestFiles.copyTree(folder, tmp.resolve("saved"));
        for (int i = 1; i <= 5; i++) {
            Files.write(folder.resolve(i + ".dcm"), new byte[300]);
        }
        Path work = tmp.resolve("work");
        JobExecution e = JobTestSupport.run(runner, "prepare", data, work, "default");
        assertThat(e.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(e.getAllFailureExceptions().get(0).getMessage())
                .startsWith("sliceMetadata skipped 5 of ")
                .contains("more than prepare.max_skip_share = 5.0 %");
        // "fix the data, then restart": the partition that skipped reads its files again, the other does not
        TestFiles.copyTree(saved, folder);
        JobExecution fixed = JobTestSupport.run(runner, "prepare", data, work, "default");
        assertThat(fixed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixed.getStepExecutions().stream().map(StepExecution::getStepName)
                .filter(n -> n.startsWith("sliceMetadataPartition:")).toList()).hasSize(1);
        int slices = studies.stream().mapToInt(DemoDatasetGenerator.StudyInfo::slices).sum();
        assertThat(PrepareJobTestSupport.gunzip(work.resolve("slice_meta_v01.csv.gz"))).hasSize(slices + 1);
        assertThat(Files.readAllLines(work.resolve("skipped.csv"))).hasSize(1); // the header only
    }
}
