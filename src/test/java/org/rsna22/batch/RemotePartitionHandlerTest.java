package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.support.ResourcelessJobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageDeliveryException;

/** The manager's side of remote partitioning against an in-memory repository and a fake broker. */
class RemotePartitionHandlerTest {

    private final ResourcelessJobRepository repository = new ResourcelessJobRepository();
    private final JobExecution job;
    private final StepExecution manager;

    RemotePartitionHandlerTest() {
        JobInstance instance = repository.createJobInstance("train-bbox", new JobParameters());
        job = repository.createJobExecution(instance, new JobParameters(), new ExecutionContext());
        manager = repository.createStepExecution("trainBbox", job);
    }

    private Set<StepExecution> partitions(String... names) {
        Set<StepExecution> out = new LinkedHashSet<>();
        for (String n : names) {
            out.add(repository.createStepExecution("trainBboxPartition:" + n, job));
        }
        return out;
    }

    private RemotePartitionHandler handler(MessageChannel channel) {
        return handler(channel, () -> -1);
    }

    private RemotePartitionHandler handler(MessageChannel channel, LongSupplier queued) {
        return new RemotePartitionHandler("trainBboxPartition", () -> channel, repository,
                PartitionStates.viaRepository(repository), new RemotePartitionHandler.Timing(10, 60_000, 300, 60_000),
                "mq.example:5672", queued);
    }

    /**
     * The first request for a partition is lost (say, taken by a worker that died before starting it): the queue is
     * empty and the partition has not started, so after the resend time the manager sends it again, and the worker
     * that gets the copy runs it. While the queue holds requests, nothing is resent.
     */
    @Test
    void aLostRequestIsSentAgainOnceTheQueueStayedEmptyAndThePartitionUnstarted() throws Exception {
        Set<StepExecution> parts = partitions("fold0-seed0");
        StepExecution p = parts.iterator().next();
        List<Long> sentAt = new ArrayList<>();
        AtomicLong queued = new AtomicLong(1); // the first request is still queued, then it vanishes
        MessageChannel broker = (Message<?> m, long timeout) -> {
            sentAt.add(System.nanoTime());
            if (sentAt.size() == 1) {
                new Thread(() -> {
                    sleep(400);
                    queued.set(0); // taken by a worker that died at once: never started
                }).start();
            } else {
                new Thread(() -> { // the copy reaches a live worker
                    p.setStatus(BatchStatus.COMPLETED);
                    p.setExitStatus(ExitStatus.COMPLETED);
                    p.setStartTime(LocalDateTime.now());
                    p.setEndTime(LocalDateTime.now());
                }).start();
            }
            return true;
        };
        Set<StepExecution> ended = handler(broker, queued::get).doHandle(manager, parts);
        assertThat(sentAt).hasSize(2);
        assertThat((sentAt.get(1) - sentAt.get(0)) / 1e6).as("ms until the copy: queued 400, then empty 300")
                .isGreaterThanOrEqualTo(700);
        assertThat(ended).singleElement().satisfies(e -> assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void partitionsThatCannotBeSentEndFailedWithTheBrokerNamedNotStarting() throws Exception {
        MessageChannel down = (Message<?> m, long timeout) -> {
            throw new MessageDeliveryException(m, "Connection refused");
        };
        Set<StepExecution> ended = handler(down).doHandle(manager, partitions("fold0-seed0", "fold1-seed0"));
        assertThat(ended).hasSize(2).allSatisfy(p -> {
            assertThat(p.getStatus()).isEqualTo(BatchStatus.FAILED);
            assertThat(p.getExitStatus().getExitDescription())
                    .startsWith("not sent: cannot reach RabbitMQ at mq.example:5672").contains("Connection refused");
            assertThat(repository.getStepExecution(job.getId(), p.getId()).getStatus()).isEqualTo(BatchStatus.FAILED);
        });
    }

    @Test
    void aKilledWorkersPartitionFailsAndTheLiveWorkersPartitionIsWaitedFor() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        List<String> sent = new ArrayList<>();
        Set<StepExecution> parts = partitions("fold0-seed0", "fold1-seed0");
        Map<Long, StepExecution> byId = parts.stream().collect(Collectors.toMap(StepExecution::getId, p -> p));
        MessageChannel broker = (Message<?> m, long timeout) -> {
            long id = PartitionRequests.parse((byte[]) m.getPayload()).getStepExecutionId();
            StepExecution p = byId.get(id);
            sent.add(p.getStepName());
            p.setStatus(BatchStatus.STARTED);
            p.setStartTime(LocalDateTime.now());
            p.getExecutionContext().putString(JobOwnerListener.HOST, JobOwnerListener.hostName());
            if (p.getStepName().endsWith("fold0-seed0")) {
                p.getExecutionContext().putLong(JobOwnerListener.PID, gone.pid()); // its worker was killed
            } else {
                p.getExecutionContext().putLong(JobOwnerListener.PID, ProcessHandle.current().pid());
                new Thread(() -> { // a live worker finishes a little later
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    p.setStatus(BatchStatus.COMPLETED);
                    p.setExitStatus(ExitStatus.COMPLETED);
                    p.setEndTime(LocalDateTime.now());
                }).start();
            }
            return true;
        };
        long t0 = System.nanoTime();
        Set<StepExecution> ended = handler(broker).doHandle(manager, parts);
        assertThat(sent).containsExactly("trainBboxPartition:fold0-seed0", "trainBboxPartition:fold1-seed0");
        assertThat((System.nanoTime() - t0) / 1e6).as("waited for the live worker").isGreaterThanOrEqualTo(200);
        Map<String, StepExecution> byName = ended.stream()
                .collect(Collectors.toMap(StepExecution::getStepName, p -> p));
        assertThat(byName.get("trainBboxPartition:fold1-seed0").getStatus()).isEqualTo(BatchStatus.COMPLETED);
        StepExecution killed = byName.get("trainBboxPartition:fold0-seed0");
        assertThat(killed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(killed.getExitStatus().getExitDescription())
                .startsWith("worker " + gone.pid() + " on " + JobOwnerListener.hostName() + " is gone");
    }

    /**
     * The job repository's database restarts while the partitions run: the manager's polls fail for a while and it
     * polls on, then sees the partition end; an outage longer than its limit fails the step with the reason.
     */
    @Test
    void theManagerPollsOnThroughARepositoryOutageAndGivesUpOnlyAfterItsLimit() throws Exception {
        Set<StepExecution> parts = partitions("fold0-seed0");
        StepExecution p = parts.iterator().next();
        MessageChannel broker = (Message<?> m, long timeout) -> true;
        AtomicLong failingPolls = new AtomicLong(5);
        PartitionStates real = PartitionStates.viaRepository(repository);
        PartitionStates restarting = (jobExecutionId, ids) -> {
            if (failingPolls.getAndDecrement() > 0) {
                throw new CannotGetJdbcConnectionException("FATAL: terminating connection due to administrator command");
            }
            p.setStatus(BatchStatus.COMPLETED);
            p.setExitStatus(ExitStatus.COMPLETED);
            p.setEndTime(LocalDateTime.now());
            return real.read(jobExecutionId, ids);
        };
        RemotePartitionHandler h = new RemotePartitionHandler("trainBboxPartition", () -> broker, repository,
                restarting, new RemotePartitionHandler.Timing(10, 60_000, 60_000, 5_000), "mq.example:5672", () -> 0);
        assertThat(h.doHandle(manager, parts)).singleElement()
                .satisfies(e -> assertThat(e.getStatus()).isEqualTo(BatchStatus.COMPLETED));

        PartitionStates down = (jobExecutionId, ids) -> {
            throw new CannotGetJdbcConnectionException("Connection refused");
        };
        RemotePartitionHandler impatient = new RemotePartitionHandler("trainBboxPartition", () -> broker, repository,
                down, new RemotePartitionHandler.Timing(10, 60_000, 60_000, 100), "mq.example:5672", () -> 0);
        assertThatThrownBy(() -> impatient.doHandle(manager, partitions("fold1-seed0")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the job repository could not be reached for").hasMessageContaining("Connection refused");
    }
}
