package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;

/** When the manager gives up on a started remote partition. */
class GoneWorkerTest {

    private static final long SILENT = 60_000;

    @Test
    void aLiveWorkerOfThisHostThatUpdatedRecentlyIsWaitedFor() {
        StepExecution p = partition(JobOwnerListener.hostName(), ProcessHandle.current().pid(), 5);
        assertThat(RemotePartitionHandler.goneWorker(p, SILENT)).isNull();
    }

    @Test
    void aWorkerProcessOfThisHostThatIsGoneIsNamed() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        StepExecution s = partition(JobOwnerListener.hostName(), p.pid(), 1);
        assertThat(RemotePartitionHandler.goneWorker(s, SILENT))
                .isEqualTo("worker " + p.pid() + " on " + JobOwnerListener.hostName() + " is gone");
    }

    @Test
    void aWorkerElsewhereIsGoneOnlyAfterTheSilentLimit() {
        assertThat(RemotePartitionHandler.goneWorker(partition("gpu-7", 4242, 59), SILENT)).isNull();
        assertThat(RemotePartitionHandler.goneWorker(partition("gpu-7", 4242, 61), SILENT))
                .startsWith("worker 4242 on gpu-7 has been silent for 6");
        // started, not yet owned by anyone (the worker records itself first): the same limit
        assertThat(RemotePartitionHandler.goneWorker(partition(null, -1, 61), SILENT))
                .startsWith("its worker has been silent");
    }

    private static StepExecution partition(String host, long pid, long secondsSinceUpdate) {
        JobExecution job = new JobExecution(1L, new JobInstance(1L, "train-bbox"), new JobParameters());
        StepExecution s = new StepExecution(2L, "trainBboxPartition:fold0-seed0", job);
        s.setStatus(BatchStatus.STARTED);
        s.setStartTime(LocalDateTime.now().minusSeconds(secondsSinceUpdate + 10));
        s.setLastUpdated(LocalDateTime.now().minusSeconds(secondsSinceUpdate));
        if (host != null) {
            s.getExecutionContext().putString(JobOwnerListener.HOST, host);
            s.getExecutionContext().putLong(JobOwnerListener.PID, pid);
        }
        return s;
    }
}
