package org.rsna22.batch;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import org.springframework.amqp.core.AmqpTemplate;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.integration.partition.BeanFactoryStepLocator;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.amqp.dsl.Amqp;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Remote partitioning over RabbitMQ (AMQP 0-9-1, Spring Integration's AMQP adapters): the manager
 * ({@code rsna22.remote=true}) sends partition requests to a durable queue; workers ({@code worker} command)
 * take one at a time per concurrency slot, by polling the queue only when a slot is free, so that an idle worker
 * is never starved by a busy one holding prefetched requests. Requests a worker cannot run go to the
 * dead-letter queue {@code <queue>.dlq}. Locally (neither property set) none of this is created.
 */
@Configuration
public class RemotePartitioningConfiguration {

    /** The channel the manager's partition handlers send requests to. */
    public static final String REQUESTS = "partitionRequests";

    private static final String ANY_REMOTE = "${rsna22.remote:false} or ${rsna22.worker.enabled:false}";

    @Bean
    @ConditionalOnExpression(ANY_REMOTE)
    public Queue partitionRequestQueue(@Value("${rsna22.remote-queue:rsna22.partitions}") String queue) {
        return QueueBuilder.durable(queue).deadLetterExchange("").deadLetterRoutingKey(deadLetters(queue)).build();
    }

    @Bean
    @ConditionalOnExpression(ANY_REMOTE)
    public Queue partitionDeadLetterQueue(@Value("${rsna22.remote-queue:rsna22.partitions}") String queue) {
        return QueueBuilder.durable(deadLetters(queue)).build();
    }

    @Bean(REQUESTS)
    @ConditionalOnProperty(name = "rsna22.remote", havingValue = "true")
    public DirectChannel partitionRequests() {
        return new DirectChannel();
    }

    /** Manager: requests sent to {@link #REQUESTS} are published, persistent, to the request queue. */
    @Bean
    @ConditionalOnProperty(name = "rsna22.remote", havingValue = "true")
    public IntegrationFlow partitionRequestFlow(@Qualifier(REQUESTS) DirectChannel requests, AmqpTemplate rabbit,
                                                @Value("${rsna22.remote-queue:rsna22.partitions}") String queue) {
        return IntegrationFlow.from(requests).handle(Amqp.outboundAdapter(rabbit).routingKey(queue)).get();
    }

    @Bean
    @ConditionalOnProperty(name = "rsna22.worker.enabled", havingValue = "true")
    public PartitionWorker partitionWorker(JobRepository repository, BeanFactoryStepLocator steps,
                                           @Value("${rsna22.remote-queue:rsna22.partitions}") String queue) {
        return new PartitionWorker(repository, steps, deadLetters(queue));
    }

    @Bean
    @ConditionalOnProperty(name = "rsna22.worker.enabled", havingValue = "true")
    public BeanFactoryStepLocator stepLocator() {
        return new BeanFactoryStepLocator();
    }

    /**
     * Worker: {@code rsna22.worker.concurrency} threads; a poll runs only on a free thread (no queue, polls
     * beyond the free threads are dropped) and runs the requests it takes, one at a time, on that thread.
     */
    @Bean
    @ConditionalOnProperty(name = "rsna22.worker.enabled", havingValue = "true")
    public IntegrationFlow partitionWorkerFlow(ConnectionFactory rabbit, PartitionWorker worker,
                                               @Value("${rsna22.remote-queue:rsna22.partitions}") String queue,
                                               @Value("${rsna22.worker.concurrency:1}") int concurrency,
                                               @Value("${rsna22.worker.poll-ms:50}") long pollMillis,
                                               @Value("${spring.rabbitmq.host:localhost}:${spring.rabbitmq.port:5672}")
                                               String broker) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("rsna22.worker.concurrency must be at least 1, not " + concurrency);
        }
        ThreadPoolTaskExecutor slots = new ThreadPoolTaskExecutor();
        slots.setCorePoolSize(concurrency);
        slots.setMaxPoolSize(concurrency);
        slots.setQueueCapacity(0);
        slots.setThreadNamePrefix("worker-");
        slots.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
        slots.initialize();
        BrokerOutageLog outages = new BrokerOutageLog(broker);
        return IntegrationFlow.from(Amqp.inboundPolledAdapter(rabbit, queue).messageConverter(BODY),
                        // a poll goes on taking requests, one after the other, until the queue is empty: the next
                        // partition starts as soon as this slot is free, not a poll interval later
                        // started by the worker command once the broker has taken its login (no retry loop first)
                        e -> e.poller(Pollers.fixedDelay(Duration.ofMillis(pollMillis)).maxMessagesPerPoll(-1)
                                .taskExecutor(slots).errorHandler(outages)
                                .advice(new BrokerOutageLog.BackAdvice(outages))).autoStartup(false))
                .handle(worker::handle).get();
    }

    static String deadLetters(String queue) {
        return queue + ".dlq";
    }

    /** A request's body as bytes, whatever its content type says: nothing is deserialised but by PartitionRequests. */
    private static final MessageConverter BODY = new MessageConverter() {
        @Override
        public Message toMessage(Object object, MessageProperties properties) {
            return new Message((byte[]) object, properties);
        }

        @Override
        public Object fromMessage(Message message) {
            return message.getBody() == null ? new byte[0] : message.getBody();
        }
    };
}
