package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.support.ResourcelessJobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A manager killed while workers run its partitions: its execution is not marked FAILED while a worker may still
 * run one of them (a restart would run that partition twice at once, on the same files).
 */
class DeadExecutionRecoveryTest {

    @Test
    void onlyPartitionsOfLiveWorkersHoldTheExecution() throws Exception {
        ResourcelessJobRepository repository = new ResourcelessJobRepository();
        JobInstance instance = repository.createJobInstance("train-bbox", new JobParameters());
        JobExecution job = repository.createJobExecution(instance, new JobParameters(), new ExecutionContext());
        repository.createStepExecution("trainBbox", job).setStatus(BatchStatus.STARTED);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        started(repository, job, "trainBboxPartition:fold0-seed0", ProcessHandle.current().pid()); // a live worker
        started(repository, job, "trainBboxPartition:fold1-seed0", gone.pid()); // a killed worker
        started(repository, job, "trainBboxPartition:fold2-seed0", -1); // the dead manager's own thread
        DeadExecutionRecovery recovery = new DeadExecutionRecovery(repository, null, 60, 600);
        assertThat(recovery.liveRemotePartitions(job)).containsExactly("trainBboxPartition:fold0-seed0 on "
                + ProcessHandle.current().pid() + "@" + JobOwnerListener.hostName());
    }

    private static void started(ResourcelessJobRepository repository, JobExecution job, String name, long pid) {
        StepExecution s = repository.createStepExecution(name, job);
        s.setStatus(BatchStatus.STARTED);
        s.setStartTime(LocalDateTime.now().minusSeconds(5));
        s.setLastUpdated(LocalDateTime.now().minusSeconds(1));
        if (pid > 0) {
            s.getExecutionContext().putString(JobOwnerListener.HOST, JobOwnerListener.hostName());
            s.getExecutionContext().putLong(JobOwnerListener.PID, pid);
        }
    }
}
