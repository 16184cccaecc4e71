package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.testsupport.JobTestSupport;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A work folder on a small tmpfs (mounted by the test; root, as in CI) fills up during prepare: the job ends FAILED
 * (not UNKNOWN: part files are written inside the chunk's transaction) with "no space left on" the folder among its
 * failures, nothing half written is left as an output; after the file system grows, a plain restart completes with
 * the outputs of a run that had space.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:diskfull;DB_CLOSE_DELAY=-1")
class DiskFullTest {

    static final String CONFIG = Path.of("src/test/resources/prepare-test.yaml").toAbsolutePath().toString();
    static final List<String> OUTPUTS = List.of("train_folded_v01.csv", "slice_meta_v01.csv.gz",
            "train_bbox_v01.csv.gz", "train_all_slices_v01.csv.gz", "skipped.csv");

    @TempDir
    static Path dir;
    static Path small;
    static boolean mounted;

    @Autowired
    JobRunner runner;

    @BeforeAll
    static void mount() throws Exception {
        small = Files.createDirectories(dir.resolve("small"));
        ExternalTools.Result r = ExternalTools.run(List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                small.toString()), dir);
        if (r.exit() != 0) {
            ExternalTools.requireService("a small tmpfs for the disk-full test (mount needs root: " + r.stderr().strip()
                    + ")");
        }
        mounted = true;
    }

    @AfterAll
    static void unmount() throws Exception {
        if (mounted) {
            ExternalTools.run(List.of("umount", small.toString()), dir);
        }
    }

    @Test
    void aFullDiskFailsTheJobAndTheSameCommandCompletesOnceThereIsSpace() throws Exception {
        Path data = dir.resolve("dataset");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 5, 40, 2)).generate(data, null);
        Path reference = dir.resolve("reference");
        assertThat(JobTestSupport.run(runner, "prepare", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);

        Path work = small.resolve("work");
        JobExecution full = JobTestSupport.run(runner, "prepare", data, work, CONFIG);
        assertThat(full.getStatus()).isEqualTo(BatchStatus.FAILED);
        String why = full.getAllFailureExceptions().stream().map(JobTestSupport::causes).reduce("", String::concat);
        assertThat(why).contains("no space left on " + work.toAbsolutePath());
        for (String out : OUTPUTS.subList(1, OUTPUTS.size())) {
            Path p = work.resolve(out);
            assertThat(!Files.exists(p) || Files.size(p) > 0).as(out + " is whole or absent").isTrue();
        }

        ExternalTools.Result grow = ExternalTools.run(List.of("mount", "-o", "remount,size=64m", small.toString()), dir);
        assertThat(grow.exit()).as(grow.stderr()).isZero();
        // the documented way on: free space, restart; the failed partitions run again from their last commit
        StringWriter said = new StringWriter();
        JobExecution last = runner.restartLatest("prepare", new PrintWriter(said), false);
        assertThat(last.getStatus()).as(said.toString()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(last.getJobInstance().getId()).isEqualTo(full.getJobInstance().getId());
        for (String out : OUTPUTS) {
            assertThat(Files.readAllBytes(work.resolve(out))).as(out).isEqualTo(Files.readAllBytes(reference.resolve(out)));
        }
    }
}
