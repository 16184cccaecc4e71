package org.rsna22.batch;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.rsna22.io.IoErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.partition.support.AbstractPartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessagingException;
import org.springframework.transaction.TransactionException;

/**
 * The manager side of remote partitioning: sends one {@link StepExecutionRequest} per partition to the request
 * channel (RabbitMQ behind it), then polls the shared job repository until every partition has ended. A
 * partition whose worker is gone (a process of this host that no longer exists, or no update for the silent
 * limit) is marked FAILED, so that the step fails and a restart sends it again; the partitions of live workers
 * are waited for, so that their work is kept. A request that was lost (a worker that took it and died before
 * starting the partition, a broker that lost it) is sent again: a partition that has not started while the request
 * queue stayed empty for the resend time gets a new request; a worker rejects whichever copy comes second.
 */
public class RemotePartitionHandler extends AbstractPartitionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RemotePartitionHandler.class);
    private static final long WAITING_LOG_MILLIS = 60_000;

    /**
     * How often the repository is read, how long a started partition may go without an update, and how long a
     * partition may wait unstarted with the request queue empty before its request is sent again.
     */
    public record Timing(long pollMillis, long silentMillis, long resendMillis, long repositoryOutageMillis) {
    }

    private final String workerStep;
    private final Supplier<MessageChannel> requests;
    private final JobRepository repository;
    private final Timing timing;

    private final String broker;
    private final LongSupplier queuedRequests;
    private final PartitionStates states;

    /**
     * @param broker         host:port of RabbitMQ, for messages
     * @param queuedRequests the requests waiting in the queue now, or -1 when that cannot be known
     */
    public RemotePartitionHandler(String workerStep, Supplier<MessageChannel> requests, JobRepository repository,
                                  PartitionStates states, Timing timing, String broker, LongSupplier queuedRequests) {
        this.states = states;
        this.broker = broker;
        this.queuedRequests = queuedRequests;
        this.workerStep = workerStep;
        this.requests = requests;
        this.repository = repository;
        this.timing = timing;
    }

    @Override
    protected Set<StepExecution> doHandle(StepExecution manager, Set<StepExecution> partitions) throws Exception {
        if (partitions.isEmpty()) {
            return partitions;
        }
        long jobExecution = manager.getJobExecutionId();
        List<Long> ids = new ArrayList<>();
        Map<Long, String> names = new HashMap<>();
        Map<Long, StepExecution> ended = new LinkedHashMap<>();
        String notSent = null;
        for (StepExecution p : partitions) {
            ids.add(p.getId());
            names.put(p.getId(), p.getStepName());
            if (notSent == null) {
                try {
                    send(p);
                    continue;
                } catch (MessagingException e) {
                    notSent = "not sent: cannot reach RabbitMQ at " + broker + " (spring.rabbitmq.host, .port): "
                            + IoErrors.rootMessage(e);
                    LOG.error("{}: {}", manager.getStepName(), notSent);
                }
            }
            // never left STARTING: a restart must find it failed, not running
            markFailed(p, notSent);
            ended.put(p.getId(), p);
        }
        LOG.info("{}: sent {} partition requests to the workers", manager.getStepName(), ids.size() - ended.size());
        long lastWaitingLog = System.currentTimeMillis();
        Map<Long, Long> unqueuedSince = new HashMap<>();
        Map<Long, Owner> owners = new HashMap<>(); // host and pid of a running partition, read once
        long repositoryAwaySince = 0;
        while (true) {
            Thread.sleep(timing.pollMillis());
            int waiting = 0;
            int running = 0;
            Boolean queueEmpty = null; // asked of the broker only while a partition waits
            try {
                Map<Long, PartitionStates.State> now = states.read(jobExecution, ids); // one query for every partition
                if (repositoryAwaySince != 0) {
                    LOG.info("{}: the job repository is back after {} s", manager.getStepName(),
                            (System.currentTimeMillis() - repositoryAwaySince) / 1000);
                    repositoryAwaySince = 0;
                }
                for (long id : ids) {
                    if (ended.containsKey(id)) {
                        continue;
                    }
                    PartitionStates.State s = now.get(id);
                    if (s == null || s.status() == BatchStatus.STARTING) {
                        waiting++;
                        if (queueEmpty == null) {
                            queueEmpty = queuedRequests.getAsLong() == 0;
                            if (!queueEmpty) {
                                unqueuedSince.clear();
                            }
                        }
                        if (queueEmpty) {
                            resendIfLost(names.get(id), id, unqueuedSince);
                        }
                    } else if (s.status().isRunning() || s.status() == BatchStatus.UNKNOWN) {
                        // UNKNOWN: its worker could not record the end (the database went away as it ended) and
                        // records it once the database is back; awaited like a running one, so that the step ends
                        // FAILED (a plain restart reruns it), not UNKNOWN (a restart refused)
                        Owner owner = owners.computeIfAbsent(id, k -> Owner.of(repository.getStepExecution(k)));
                        String gone = goneWorker(owner.host(), owner.pid(), s.lastUpdated(), timing.silentMillis());
                        if (gone == null) {
                            running++;
                            continue;
                        }
                        StepExecution p = repository.getStepExecution(id);
                        if (!markFailed(p, gone)) {
                            running++;
                        } else {
                            ended.put(id, p);
                        }
                    } else {
                        ended.put(id, repository.getStepExecution(id)); // read whole once, when it ended
                        owners.remove(id);
                    }
                }
            } catch (DataAccessException | TransactionException e) {
                repositoryAwaySince = repositoryAway(manager, e, repositoryAwaySince);
                continue;
            }
            if (waiting + running == 0) {
                return new HashSet<>(ended.values());
            }
            if (waiting > 0 && System.currentTimeMillis() - lastWaitingLog > WAITING_LOG_MILLIS) {
                LOG.info("{}: {} partitions wait for a worker, {} run", manager.getStepName(), waiting, running);
                lastWaitingLog = System.currentTimeMillis();
            }
        }
    }

    private void send(StepExecution p) {
        send(p.getId());
    }

    private void send(long stepExecutionId) {
        StepExecutionRequest request = new StepExecutionRequest(workerStep, stepExecutionId);
        requests.get().send(MessageBuilder.withPayload(PartitionRequests.toJson(request))
                .setHeader("contentType", PartitionRequests.CONTENT_TYPE).build());
    }

    /**
     * A partition that has not started although the request queue is empty: once that has lasted the resend time,
     * its request was lost (taken by a worker that died before starting it, or lost by the broker) and is sent again.
     */
    private void resendIfLost(String name, long id, Map<Long, Long> unqueuedSince) {
        long now = System.currentTimeMillis();
        long since = unqueuedSince.computeIfAbsent(id, k -> now);
        if (now - since < timing.resendMillis()) {
            return;
        }
        try {
            send(id);
            LOG.warn("{}: not started while the request queue was empty for {} s: its request was lost, sent again",
                    name, (now - since) / 1000);
        } catch (MessagingException e) {
            LOG.warn("{}: its request was lost and cannot be sent again now: {}", name, IoErrors.rootMessage(e));
        }
        unqueuedSince.put(id, now);
    }

    /** The host and pid that a started partition's worker recorded in its context. */
    private record Owner(String host, long pid) {
        static Owner of(StepExecution p) {
            ExecutionContext ctx = p.getExecutionContext();
            return new Owner(ctx.getString(JobOwnerListener.HOST, null), ctx.getLong(JobOwnerListener.PID, -1L));
        }
    }

    /**
     * A poll that could not read or write the job repository (a restarted or unreachable database): the workers'
     * partitions go on, and so does the polling, saying so once; after {@code repositoryOutageMillis} the step fails
     * with the reason. Returns since when the repository has been away.
     */
    private long repositoryAway(StepExecution manager, RuntimeException e, long since) {
        long t = System.currentTimeMillis();
        if (since == 0) {
            LOG.warn("{}: cannot reach the job repository ({}); polling on for up to {} s", manager.getStepName(),
                    IoErrors.rootMessage(e), timing.repositoryOutageMillis() / 1000);
            return t;
        }
        if (t - since > timing.repositoryOutageMillis()) {
            throw new IllegalStateException(manager.getStepName() + ": the job repository could not be reached for "
                    + (t - since) / 1000 + " s: " + IoErrors.rootMessage(e), e);
        }
        return since;
    }

    /** Records a partition as FAILED, ended now, with the reason as its exit description. */
    static void fail(JobRepository repository, StepExecution p, String why) {
        p.setStatus(BatchStatus.FAILED);
        p.setExitStatus(ExitStatus.FAILED.addExitDescription(why));
        p.setEndTime(LocalDateTime.now());
        repository.update(p);
    }

    /**
     * Why the worker of a started partition is gone, or null when it may be alive: its process on this host
     * no longer exists, or the partition has not been updated (a chunk or a training slice commits every few
     * seconds) for longer than the silent limit.
     */
    static String goneWorker(StepExecution p, long silentMillis) {
        ExecutionContext ctx = p.getExecutionContext();
        return goneWorker(ctx.getString(JobOwnerListener.HOST, null), ctx.getLong(JobOwnerListener.PID, -1L),
                p.getLastUpdated() != null ? p.getLastUpdated() : p.getStartTime(), silentMillis);
    }

    /** {@link #goneWorker(StepExecution, long)} of a partition's owner and last update. */
    static String goneWorker(String host, long pid, LocalDateTime last, long silentMillis) {
        String who = host == null ? "its worker" : "worker " + pid + " on " + host;
        if (JobOwnerListener.ofThisHost(host, pid) && !JobOwnerListener.alive(pid)) {
            return who + " is gone";
        }
        if (last != null) {
            long silent = Duration.between(last, LocalDateTime.now()).toMillis();
            if (silent > silentMillis) {
                return who + " has been silent for " + silent / 1000 + " s";
            }
        }
        return null;
    }

    /** Marks a partition FAILED; false when its worker updated it meanwhile (it lives). */
    private boolean markFailed(StepExecution p, String why) {
        try {
            fail(repository, p, why + "; restart the job to run this partition again");
        } catch (OptimisticLockingFailureException e) {
            return false;
        }
        LOG.warn("{}: {}; marked FAILED", p.getStepName(), why);
        return true;
    }
}
