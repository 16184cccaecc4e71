package org.rsna22.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.DevicePool;
import org.rsna22.training.BoxLocaliserTask;
import org.rsna22.training.TrainRun;
import org.rsna22.training.TrainRunPartitioner;
import org.rsna22.training.TrainRunTasklet;
import org.rsna22.training.TrainingListener;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The train-bbox job (SPEC §4): one partition per (fold, seed), each a tasklet that trains one box localiser
 * with checkpoints every epoch. Partitions run one after another unless bbox.parallel_runs says otherwise.
 */
@Configuration
public class TrainBboxJobConfiguration {

    public static final String JOB = "train-bbox";

    @Bean
    public Job trainBboxJob(JobRepository repository, Step trainBbox, JobOwnerListener owner) {
        return new JobBuilder(JOB, repository).listener(owner).start(trainBbox).build();
    }

    @Bean
    public Step trainBbox(JobRepository repository, Step trainBboxPartition,
                          @Qualifier("trainRunPartitioner") TrainRunPartitioner partitioner,
                          @Qualifier("trainRunHandler") PartitionHandler handler) {
        return new StepBuilder("trainBbox", repository)
                .partitioner(trainBboxPartition.getName(), partitioner).partitionHandler(handler)
                .listener(new StepExecutionListener() {
                    @Override
                    public ExitStatus afterStep(StepExecution step) {
                        BoxLocaliserTask.mergeSkips(WorkLayout.of(step.getJobParameters().getString("work")),
                                ConfigLoader.load(step.getJobParameters().getString("config")));
                        return step.getExitStatus();
                    }
                }).build();
    }

    @Bean
    @StepScope
    public TrainRunPartitioner trainRunPartitioner(@Value("#{jobParameters['work']}") String work,
                                                   @Value("#{jobParameters['config']}") String config) throws IOException {
        return TrainRunPartitioner.bbox(WorkLayout.of(work), ConfigLoader.load(config).bbox());
    }

    @Bean
    @StepScope
    public PartitionHandler trainRunHandler(Step trainBboxPartition, @Value("#{jobParameters['config']}") String config,
                                            PartitionHandlers handlers, DevicePool devices) {
        return handlers.createTraining(trainBboxPartition,
                ConfigLoader.load(config).bbox().parallelRuns().resolve(devices.size()), "train-", devices);
    }

    @Bean
    public Step trainBboxPartition(JobRepository repository, PlatformTransactionManager tx, TrainRunTasklet trainRunTasklet) {
        return new StepBuilder("trainBboxPartition", repository).tasklet(trainRunTasklet, tx).listener(trainRunTasklet).build();
    }

    @Bean
    @StepScope
    public TrainRunTasklet trainRunTasklet(@Value("#{jobParameters['data']}") String data,
                                           @Value("#{jobParameters['work']}") String work,
                                           @Value("#{jobParameters['config']}") String config,
                                           @Value("#{stepExecutionContext['fold']}") Integer fold,
                                           @Value("#{stepExecutionContext['seed']}") Integer seed,
                                           DicomSource dicom, List<TrainingListener> listeners, DevicePool devices) {
        ExperimentConfig c = ConfigLoader.load(config);
        return new TrainRunTasklet(TrainRun.of(Path.of(work), c.name(), fold, seed),
                device -> BoxLocaliserTask.open(new CompetitionLayout(Path.of(data)), WorkLayout.of(work), c.bbox(), fold,
                        dicom), c, TrainingListener.all(listeners), devices);
    }
}
