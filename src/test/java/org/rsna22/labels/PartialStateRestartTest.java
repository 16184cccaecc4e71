package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.WriteFence;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A partition fails while it saves its state at a commit, after its reader recorded the chunk as read and before its
 * part file took the chunk's rows (here the write fence cannot reach the job repository, as when PostgreSQL restarts
 * under a worker); Spring Batch then stores that half-updated state with the failed partition. Seen in
 * bench/cluster_fault.sh: the restart read nothing more, wrote nothing, and the job COMPLETED with a study missing from
 * slice_meta. The restart must run such a partition again from its start, to the outputs of an undisturbed run.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:partialstate;DB_CLOSE_DELAY=-1")
class PartialStateRestartTest {

    @TempDir
    Path dir;

    @Autowired
    JobRunner runner;

    @Test
    void aPartitionThatFailedSavingItsStateRunsAgainFromItsStart() throws Exception {
        Path data = dir.resolve("dataset");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 5, 40, 2)).generate(data, null);
        Path reference = dir.resolve("reference");
        assertThat(JobTestSupport.run(runner, "prepare", data, reference, DiskFullTest.CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);

        Path work = dir.resolve("work");
        AtomicInteger checks = new AtomicInteger();
        JobExecution[] failed = new JobExecution[1];
        // the second check of a part file's commit fails, as a repository that went away between two commits
        WriteFence.during(() -> {
            boolean partFileCommit = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().endsWith(".PartFileWriter") && f.getMethodName().equals("update")));
            if (partFileCommit && checks.incrementAndGet() == 2) {
                throw new IllegalStateException("cannot ask the job repository whether the partition is still this "
                        + "worker's (test: the database went away)");
            }
        }, () -> {
            try {
                failed[0] = JobTestSupport.run(runner, "prepare", data, work, DiskFullTest.CONFIG);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(failed[0].getStatus()).isEqualTo(BatchStatus.FAILED);

        StringWriter said = new StringWriter();
        JobExecution last = runner.restartLatest("prepare", new PrintWriter(said), false);
        assertThat(last.getStatus()).as(said.toString()).isEqualTo(BatchStatus.COMPLETED);
        for (String out : DiskFullTest.OUTPUTS) {
            if (out.endsWith(".gz")) { // the rows first: a failure names what is missing
                assertThat(PrepareJobTestSupport.gunzip(work.resolve(out))).as(out)
                        .isEqualTo(PrepareJobTestSupport.gunzip(reference.resolve(out)));
            }
            assertThat(Files.readAllBytes(work.resolve(out))).as(out).isEqualTo(Files.readAllBytes(reference.resolve(out)));
        }
    }
}
