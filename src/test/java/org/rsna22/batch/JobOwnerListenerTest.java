package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;

/** The owner heartbeat and the end of a job. */
class JobOwnerListenerTest {

    @Test
    void theEndOfAJobWaitsForABeatInProgressInsteadOfInterruptingIt() throws Exception {
        // an interrupt inside an H2 file write closes the embedded database for the whole process; the beat below
        // is "writing" for 300 ms when the job ends and records whether it was interrupted
        CountDownLatch writing = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        JobRepository repository = mock(JobRepository.class);
        doAnswer(call -> {
            if (Thread.currentThread().getName().startsWith("owner-heartbeat-") && writing.getCount() > 0) {
                writing.countDown();
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < until) {
                    if (Thread.currentThread().isInterrupted()) {
                        interrupted.set(true);
                    }
                }
                finished.set(true);
            }
            return null;
        }).when(repository).updateExecutionContext(any(JobExecution.class));
        JobOwnerListener listener = new JobOwnerListener(repository, 1);
        JobExecution execution = new JobExecution(7L, new JobInstance(3L, "train-fracture"),
                new JobParametersBuilder().addString("config", "demo").toJobParameters());

        listener.beforeJob(execution);
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        listener.afterJob(execution);

        assertThat(finished).as("afterJob returns once the beat in progress has ended").isTrue();
        assertThat(interrupted).as("the beat was interrupted").isFalse();
        assertThat(execution.getExecutionContext().getLong(JobOwnerListener.HEARTBEAT)).isPositive();
    }
}
