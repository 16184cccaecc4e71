package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.ConfigLoader;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;

/** A worker runs a partition with the config its job started with, not with what the file on its machine says. */
class PartitionWorkerConfigTest {

    @Test
    void aPartitionReadsTheConfigItsJobStoredWhileItRunsAndTheFileAfterwards(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("worker-side.yaml");
        Files.writeString(file, "bbox:\n  epochs: 5\n");
        String asStarted = ConfigLoader.toYaml(ConfigLoader.load(file.toString()));
        // the worker's copy of the file says otherwise (edited since, or another machine's copy)
        Files.writeString(file, "bbox:\n  epochs: 2\n");
        JobExecution job = new JobExecution(7L, new JobInstance(3L, "train-bbox"),
                new JobParametersBuilder().addString("config", file.toString()).toJobParameters());
        job.getExecutionContext().putString(JobOwnerListener.CONFIG, asStarted);
        StepExecution partition = new StepExecution(11L, "trainBboxPartition:fold0-seed0", job);
        try (ConfigLoader.Pin pin = PartitionWorker.managersConfig(partition)) {
            assertThat(ConfigLoader.load(file.toString()).bbox().epochs()).isEqualTo(5);
        }
        assertThat(ConfigLoader.load(file.toString()).bbox().epochs()).isEqualTo(2);

        // a job started before configs were stored: the file
        JobExecution older = new JobExecution(8L, new JobInstance(4L, "train-bbox"),
                new JobParametersBuilder().addString("config", file.toString()).toJobParameters());
        try (ConfigLoader.Pin pin = PartitionWorker.managersConfig(new StepExecution(12L, "p:0", older))) {
            assertThat(ConfigLoader.load(file.toString()).bbox().epochs()).isEqualTo(2);
        }
    }
}
