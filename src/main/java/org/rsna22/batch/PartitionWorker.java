package org.rsna22.batch;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rsna22.config.ConfigLoader;
import org.rsna22.io.IoErrors;
import org.rsna22.io.WriteFence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.StepLocator;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.beans.BeansException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.integration.StaticMessageHeaderAccessor;
import org.springframework.integration.acks.AcknowledgmentCallback;
import org.springframework.messaging.Message;
import org.springframework.transaction.TransactionException;

/**
 * The worker side of remote partitioning: takes one partition request at a time from the request queue,
 * checks it (a JSON request for an existing partition that no worker has started), records this process as the
 * partition's owner, acknowledges it and runs it, as Spring Batch's {@code StepExecutionRequestHandler} does
 * but on the execution it checked, so that a stopping worker can ask it to stop.
 * A request met while the job repository is unreachable goes back to the queue; anything else is rejected to the
 * dead-letter queue with a log line, never retried.
 */
public class PartitionWorker {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionWorker.class);
    /** How long a worker goes on trying to record a partition's end while the repository is away. */
    private static final long RECORD_END_MILLIS = 120_000;
    /** The pause before a request that met an unreachable job repository goes back to the queue. */
    private static final long REQUEUE_PAUSE_MILLIS = 2_000;

    private final JobRepository repository;
    private final StepLocator steps;
    private final String deadLetters;
    private final Map<Long, StepExecution> running = new ConcurrentHashMap<>();

    public PartitionWorker(JobRepository repository, StepLocator steps, String deadLetters) {
        this.repository = repository;
        this.steps = steps;
        this.deadLetters = deadLetters;
    }

    /** Handles one message of the request queue; the message is acknowledged or rejected here. */
    public void handle(Message<?> message) {
        AcknowledgmentCallback ack = StaticMessageHeaderAccessor.getAcknowledgmentCallback(message);
        StepExecutionRequest request;
        StepExecution partition;
        try {
            request = PartitionRequests.parse(message.getPayload() instanceof byte[] b ? b
                    : String.valueOf(message.getPayload()).getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            reject(ack, e.getMessage());
            return;
        }
        try {
            partition = runnable(request);
            claim(partition);
        } catch (RepositoryAway e) {
            requeue(ack, request, e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            reject(ack, e.getMessage());
            failWaiting(request, e.getMessage());
            return;
        }
        if (ack != null) {
            // taken now: a partition may run for hours, longer than the broker waits for an acknowledgement
            ack.acknowledge(AcknowledgmentCallback.Status.ACCEPT);
        }
        run(request, partition);
    }

    /** The job repository could not be read or written: the request goes back to the queue, to be run later. */
    private static final class RepositoryAway extends RuntimeException {
        RepositoryAway(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The step a request names; IllegalArgumentException when this worker has none of that name. */
    private Step stepOf(StepExecutionRequest request) {
        try {
            return steps.getStep(request.getStepName());
        } catch (BeansException | IllegalStateException e) {
            throw new IllegalArgumentException("this worker has no step " + request.getStepName());
        }
    }

    /** The partition of a request when it exists and no worker has started it; else why not. */
    private StepExecution runnable(StepExecutionRequest request) {
        stepOf(request);
        StepExecution p;
        try {
            p = repository.getStepExecution(request.getStepExecutionId());
        } catch (EmptyResultDataAccessException e) {
            p = null;
        } catch (DataAccessException | TransactionException e) {
            throw new RepositoryAway("step execution " + request.getStepExecutionId() + " could not be read from the "
                    + "job repository: " + IoErrors.rootMessage(e), e);
        }
        if (p == null) {
            throw new IllegalArgumentException("no partition has step execution id " + request.getStepExecutionId()
                    + " (" + request.getStepName() + ")");
        }
        if (!p.getStepName().startsWith(request.getStepName() + ":")) {
            throw new IllegalArgumentException("step execution " + p.getId() + " is " + p.getStepName()
                    + ", not a partition of " + request.getStepName());
        }
        if (p.getStatus() != BatchStatus.STARTING) {
            String owner = p.getExecutionContext().getString(JobOwnerListener.HOST, null);
            throw new IllegalArgumentException(p.getStepName() + " (step execution " + p.getId() + ") is "
                    + p.getStatus() + (owner == null ? "" : ", taken by worker "
                    + p.getExecutionContext().getLong(JobOwnerListener.PID, -1L) + " on " + owner)
                    + "; it is not run twice (restart the job to run it again)");
        }
        return p;
    }

    /**
     * Records this process as the partition's owner, before the request is acknowledged: a repository that cannot
     * record it sends the request back to the queue instead of losing it.
     */
    private void claim(StepExecution partition) {
        partition.getExecutionContext().putString(JobOwnerListener.HOST, JobOwnerListener.hostName());
        partition.getExecutionContext().putLong(JobOwnerListener.PID, ProcessHandle.current().pid());
        try {
            repository.updateExecutionContext(partition);
        } catch (DataAccessException | TransactionException e) {
            throw new RepositoryAway(partition.getStepName() + " (step execution " + partition.getId() + "): its "
                    + "worker could not be recorded in the job repository: " + IoErrors.rootMessage(e), e);
        }
    }

    private void run(StepExecutionRequest request, StepExecution partition) {
        LOG.info("partition {} (job execution {}) started", partition.getStepName(), partition.getJobExecutionId());
        long t0 = System.nanoTime();
        running.put(partition.getId(), partition);
        StepExecution done = partition;
        AtomicBoolean fenced = new AtomicBoolean();
        try {
            try (ConfigLoader.Pin pin = managersConfig(partition)) {
                WriteFence.during(fence(partition, fenced), () -> {
                    try {
                        stepOf(request).execute(partition);
                    } catch (JobInterruptedException e) {
                        partition.setStatus(BatchStatus.STOPPED);
                    }
                });
            }
        } catch (Throwable e) {
            partition.addFailureException(e);
            partition.setStatus(BatchStatus.FAILED);
        } finally {
            running.remove(partition.getId());
        }
        if (!fenced.get()) {
            fenced.set(givenUp(done));
        }
        if (fenced.get()) {
            // the repository holds the manager's verdict; this worker records nothing over it
            LOG.warn("partition {} (step execution {}) ended fenced off after {}: nothing of it was written after "
                    + "the manager gave it up", done.getStepName(), done.getId(),
                    String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9));
            return;
        }
        String repositoryAway = repositoryFailure(done);
        if (repositoryAway != null) {
            // Spring Batch's reason is a JDBC message ("JDBC rollback failed"); the user needs the cause and the cure
            done.setExitStatus(ExitStatus.FAILED.addExitDescription("the job repository could not record a commit "
                    + "of this partition (" + repositoryAway + "; a restarted or unreachable database); restart the "
                    + "job to run it again"));
            done.setStatus(BatchStatus.FAILED);
            recordEnd(done);
        } else if (done.getEndTime() == null || done.getStatus() == BatchStatus.UNKNOWN) {
            // the step could not record its own end (an error outside its chunks, or the repository was away when
            // it ended): record it here, FAILED, so that it does not stay STARTED until the manager's silent limit
            recordEnd(done);
        }
        String why = done.getStatus() == BatchStatus.COMPLETED ? ""
                : ": " + done.getExitStatus().getExitDescription().lines().findFirst().orElse("");
        LOG.info("partition {} ended {} in {}{}", done.getStepName(), done.getStatus(),
                String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9), why);
    }

    /**
     * The config the partition's job started with, as the job execution stored it (JobOwnerListener), pinned while the
     * partition runs: a worker on another machine, or a config file edited since, does not change what this job
     * computes. A job started before configs were stored reads the file.
     */
    static ConfigLoader.Pin managersConfig(StepExecution partition) {
        String stored = partition.getJobExecution().getExecutionContext().getString(JobOwnerListener.CONFIG, null);
        String name = partition.getJobExecution().getJobParameters().getString("config");
        return stored == null ? () -> { } : ConfigLoader.pin(name, stored);
    }

    /**
     * The partition's write fence: before an output becomes visible, the job repository must still hold the
     * partition as STARTED (or STOPPING). The manager marks a partition whose worker went silent FAILED with a
     * version-checked update; from then on this worker's writes throw, and its commits fail the repository's own
     * version check. An unreachable repository refuses the write too (the partition fails and is rerun).
     */
    private WriteFence.Check fence(StepExecution partition, AtomicBoolean fenced) {
        return () -> {
            StepExecution stored;
            try {
                stored = repository.getStepExecution(partition.getId());
            } catch (DataAccessException e) {
                throw new IllegalStateException(partition.getStepName() + ": cannot ask the job repository whether the "
                        + "partition is still this worker's, so nothing is written: "
                        + e.getMostSpecificCause().getMessage(), e);
            }
            BatchStatus now = stored == null ? null : stored.getStatus();
            if (now == BatchStatus.STARTED || now == BatchStatus.STOPPING) {
                return;
            }
            String why = stored == null ? "" : stored.getExitStatus().getExitDescription().lines().findFirst()
                    .map(d -> " (" + d + ")").orElse("");
            String message = "fenced off: partition " + partition.getStepName() + " (step execution "
                    + partition.getId() + ") is " + now + " in the job repository" + why + "; the manager gave it up "
                    + "while this worker was not heard from, so this worker writes nothing more of it";
            if (fenced.compareAndSet(false, true)) {
                LOG.warn(message);
            }
            throw new WriteFence.FencedOffException(message);
        };
    }

    /** Records the end of a partition, retrying while the job repository is unreachable (a restarting database). */
    private void recordEnd(StepExecution done) {
        if (done.getStatus() == BatchStatus.UNKNOWN) {
            done.setStatus(BatchStatus.FAILED);
            done.setExitStatus(ExitStatus.FAILED.addExitDescription("the job repository could not record the end of "
                    + "this partition when it ended (a restarted or unreachable database); restart the job to run it "
                    + "again"));
        }
        if (done.getEndTime() == null) {
            done.setEndTime(LocalDateTime.now());
        }
        long deadline = System.currentTimeMillis() + RECORD_END_MILLIS;
        RuntimeException last;
        do {
            try {
                repository.update(done);
                return;
            } catch (OptimisticLockingFailureException e) {
                last = e;
                try {
                    if (!unrecorded(done)) {
                        return; // recorded by someone else (the manager): that record stands
                    }
                    // no one recorded an end: the version this process held was off by a write whose commit failed
                    continue;
                } catch (DataAccessException | TransactionException away) {
                    last = away;
                }
            } catch (DataAccessException | TransactionException e) {
                last = e;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        } while (System.currentTimeMillis() < deadline);
        LOG.warn("partition {}: its end could not be recorded in the job repository for {} s ({}); the manager will "
                + "find it silent", done.getStepName(), RECORD_END_MILLIS / 1000, IoErrors.rootMessage(last));
    }

    /**
     * The root message when a FAILED partition failed because the job repository could not be written (its
     * connection lost as it committed), else null.
     */
    private static String repositoryFailure(StepExecution done) {
        if (done.getStatus() != BatchStatus.FAILED) {
            return null;
        }
        for (Throwable t : done.getFailureExceptions()) {
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof TransactionException || c instanceof DataAccessException
                        || c instanceof java.sql.SQLException) {
                    return IoErrors.rootMessage(c);
                }
            }
        }
        return null;
    }

    /**
     * Whether the repository holds the partition as not ended (running or UNKNOWN); if so, {@code done} takes the
     * stored version, so that the next update records the end over it.
     */
    private boolean unrecorded(StepExecution done) {
        StepExecution stored = repository.getStepExecution(done.getId());
        if (stored == null || !(stored.getStatus().isRunning() || stored.getStatus() == BatchStatus.UNKNOWN)) {
            return false;
        }
        done.setVersion(stored.getVersion());
        return true;
    }

    /**
     * Whether the manager gave the partition up while it ran although no write met the fence (its last commit failed
     * the repository's version check instead): the repository holds another status than the one the step ended with.
     */
    private boolean givenUp(StepExecution done) {
        StepExecution stored;
        try {
            stored = repository.getStepExecution(done.getId());
        } catch (DataAccessException e) {
            return false;
        }
        if (stored == null || stored.getStatus() == done.getStatus() || stored.getStatus() != BatchStatus.FAILED) {
            return false;
        }
        LOG.warn("fenced off: partition {} (step execution {}) is FAILED in the job repository ({}); the manager gave "
                + "it up while this worker was not heard from, so this worker records nothing of its end ({})",
                done.getStepName(), done.getId(), stored.getExitStatus().getExitDescription().lines().findFirst()
                        .orElse(""), done.getStatus());
        return true;
    }

    /** Asks the running partitions to stop at their next commit (they end STOPPED and can be restarted). */
    public int stopRunning() {
        running.values().forEach(StepExecution::setTerminateOnly);
        return running.size();
    }

    /** How many partitions run now. */
    public int runningCount() {
        return running.size();
    }

    /**
     * A request this worker cannot run for a partition that waits for a worker (e.g. a step of another rsna22
     * version): the partition is marked FAILED with the reason, so that the manager does not wait for it forever.
     */
    private void failWaiting(StepExecutionRequest request, String why) {
        try {
            StepExecution p = repository.getStepExecution(request.getStepExecutionId());
            if (p != null && p.getStatus() == BatchStatus.STARTING) {
                RemotePartitionHandler.fail(repository, p, "worker " + ProcessHandle.current().pid() + " on "
                        + JobOwnerListener.hostName() + " cannot run it: " + why);
            }
        } catch (RuntimeException e) {
            // no such execution, or the repository is unreachable: the rejection and its log line are all we can do
        }
    }

    /**
     * A request that cannot be run now because the job repository is away (a restarting database) goes back to the
     * queue after a pause, so that a worker takes it again once the database is back; the manager waits for it.
     */
    private void requeue(AcknowledgmentCallback ack, StepExecutionRequest request, String why) {
        LOG.warn("{} (step execution {}) goes back to the queue: {}", request.getStepName(),
                request.getStepExecutionId(), why);
        try {
            Thread.sleep(REQUEUE_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ack != null) {
            ack.acknowledge(AcknowledgmentCallback.Status.REQUEUE);
        }
    }

    private void reject(AcknowledgmentCallback ack, String why) {
        LOG.warn("rejected a message to the dead-letter queue {}: {}", deadLetters, why);
        if (ack != null) {
            ack.acknowledge(AcknowledgmentCallback.Status.REJECT);
        }
    }

}
