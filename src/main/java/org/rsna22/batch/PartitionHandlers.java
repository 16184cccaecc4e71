package org.rsna22.batch;

import javax.sql.DataSource;
import org.rsna22.model.CpuThreads;
import org.rsna22.model.DevicePool;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.support.TaskExecutorPartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.messaging.MessageChannel;
import org.springframework.stereotype.Component;

/**
 * Where the partitions of a partitioned step run: in this process on a bounded number of threads (the
 * default), or, with {@code rsna22.remote=true}, on worker processes that take one request per partition from
 * RabbitMQ and share the job repository (README "Running on several machines").
 */
@Component
public class PartitionHandlers {

    private final boolean remote;
    private final JobRepository repository;
    private final ObjectProvider<MessageChannel> requests;
    private final RemotePartitionHandler.Timing timing;
    private final String broker;
    private final ObjectProvider<AmqpAdmin> admin;
    private final String queue;
    private final DataSource dataSource;
    private final String tablePrefix;

    public PartitionHandlers(@Value("${rsna22.remote:false}") boolean remote, JobRepository repository,
                             @Qualifier(RemotePartitioningConfiguration.REQUESTS) ObjectProvider<MessageChannel> requests,
                             @Value("${rsna22.remote-poll-ms:100}") long pollMillis,
                             @Value("${rsna22.remote-silent-seconds:600}") long silentSeconds,
                             @Value("${rsna22.remote-resend-seconds:60}") long resendSeconds,
                             @Value("${rsna22.remote-repository-outage-seconds:300}") long repositoryOutageSeconds,
                             @Value("${spring.rabbitmq.host:localhost}:${spring.rabbitmq.port:5672}") String broker,
                             ObjectProvider<AmqpAdmin> admin,
                             @Value("${rsna22.remote-queue:rsna22.partitions}") String queue, DataSource dataSource,
                             @Value("${spring.batch.jdbc.table-prefix:BATCH_}") String tablePrefix) {
        this.dataSource = dataSource;
        this.tablePrefix = tablePrefix;
        this.remote = remote;
        this.repository = repository;
        this.requests = requests;
        this.timing = new RemotePartitionHandler.Timing(pollMillis, silentSeconds * 1000, resendSeconds * 1000,
                repositoryOutageSeconds * 1000);
        this.broker = broker;
        this.admin = admin;
        this.queue = queue;
    }

    /** The requests ready in the queue (not taken by a worker), or -1 when the broker cannot say. */
    private long queuedRequests() {
        AmqpAdmin a = admin.getIfAvailable();
        if (a == null) {
            return -1;
        }
        try {
            QueueInformation info = a.getQueueInfo(queue);
            return info == null ? -1 : info.getMessageCount();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * The handler of a step whose partitions are training runs, {@code runs} at once: as {@link #create}, and on the
     * CPU with more than one run at once each run's thread computes on its share of the cores ({@link CpuThreads}).
     */
    public PartitionHandler createTraining(Step worker, int runs, String prefix, DevicePool devices) {
        if (remote || runs <= 1 || !devices.cpuOnly()) {
            return create(worker, runs, prefix);
        }
        int threads = CpuThreads.share(Runtime.getRuntime().availableProcessors(), runs);
        return local(worker, runs, prefix, task -> () -> CpuThreads.during(threads, task));
    }

    /**
     * The handler of a partitioned step whose partitions are executions of {@code worker}: locally at most
     * {@code threads} at once on threads named prefix-N; remotely as many at once as workers take.
     */
    public PartitionHandler create(Step worker, int threads, String prefix) {
        if (remote) {
            return new RemotePartitionHandler(worker.getName(), requests::getObject, repository,
                    PartitionStates.jdbc(dataSource, tablePrefix), timing, broker, this::queuedRequests);
        }
        return local(worker, threads, prefix, null);
    }

    /** Partitions in this process, at most {@code threads} at once, each task wrapped by {@code decorator} if any. */
    private static PartitionHandler local(Step worker, int threads, String prefix, TaskDecorator decorator) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(prefix);
        executor.setConcurrencyLimit(threads);
        if (decorator != null) {
            executor.setTaskDecorator(decorator);
        }
        TaskExecutorPartitionHandler h = new TaskExecutorPartitionHandler();
        h.setStep(worker);
        h.setTaskExecutor(executor);
        return h;
    }
}
