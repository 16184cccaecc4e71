package org.rsna22.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.inference.InferBboxPlan;
import org.rsna22.inference.SlicePrediction;
import org.rsna22.inference.StudyBoxesTasklet;
import org.rsna22.inference.StudyPredictor;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.labels.SkipRecorder;
import org.rsna22.model.DevicePool;
import org.rsna22.model.SliceImageCache;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The infer-bbox job (SPEC §5): every triplet of every study in train_all_slices_v01.csv.gz predicted by its
 * fold's models (partitions studies-NNNN, per-slice predictions in part files), then study boxes. On a test
 * set (test_images/, no train.csv) every study is predicted by the all-data models (or all folds').
 */
@Configuration
public class InferBboxJobConfiguration {

    public static final String JOB = "infer-bbox";
    private static final String STEP = "inferBbox";
    private static final String DATA = "#{jobParameters['data']}";
    private static final String WORK = "#{jobParameters['work']}";
    private static final String CONFIG = "#{jobParameters['config']}";

    @Bean
    public Job inferBboxJob(JobRepository repository, Step inferBboxClean, Step inferBbox, Step studyBoxes,
                            JobOwnerListener owner) {
        return new JobBuilder(JOB, repository).listener(owner).start(inferBboxClean).next(inferBbox).next(studyBoxes)
                .build();
    }

    /** A fresh run starts without an earlier run's part files (a restart keeps them: this step is done). */
    @Bean
    public Step inferBboxClean(JobRepository repository, PlatformTransactionManager tx,
                               @Qualifier("inferBboxCleanTasklet") Tasklet tasklet) {
        return new StepBuilder("inferBboxClean", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public Tasklet inferBboxCleanTasklet(@Value(DATA) String data, @Value(WORK) String work) {
        // another test set: the earlier one's boxes and submission no longer belong to this work folder
        WorkLayout w = WorkLayout.of(work);
        return layout(data).isTestSet() ? PartFiles.clean(parts(data, w.root().toString()), w.submission(),
                w.bboxPred(Subset.TEST), w.bboxSlicePred(Subset.TEST)) : PartFiles.clean(parts(data, work));
    }

    @Bean
    public Step inferBbox(JobRepository repository, Step inferBboxPartition,
                          @Qualifier("inferBboxPartitioner") Partitioner partitioner,
                          @Qualifier("inferBboxHandler") PartitionHandler handler) {
        return new StepBuilder(STEP, repository)
                .partitioner(inferBboxPartition.getName(), partitioner).partitionHandler(handler).build();
    }

    @Bean
    @StepScope
    public Partitioner inferBboxPartitioner(@Value(DATA) String data, @Value(WORK) String work,
                                            @Value(CONFIG) String config) throws IOException {
        InferBboxPlan plan = InferBboxPlan.of(layout(data), WorkLayout.of(work));
        int per = ConfigLoader.load(config).inferBbox().studiesPerPartition();
        return grid -> plan.partitions(per);
    }

    @Bean
    @StepScope
    public PartitionHandler inferBboxHandler(Step inferBboxPartition, @Value(CONFIG) String config,
                                             PartitionHandlers handlers) {
        return handlers.create(inferBboxPartition, ConfigLoader.load(config).inferBbox().threads(), "infer-bbox-");
    }

    @Bean
    public Step inferBboxPartition(JobRepository repository, PlatformTransactionManager tx,
                                   @Qualifier("inferStudyReader") RestartableListReader<SliceBoxes> reader,
                                   @Qualifier("studyPredictor") StudyPredictor predictor,
                                   @Qualifier("slicePredictionWriter") FlatteningItemWriter<SlicePrediction> writer,
                                   @Qualifier("inferBboxSkips") SkipRecorder skips) {
        return new StepBuilder("inferBboxPartition", repository)
                .<SliceBoxes, List<SlicePrediction>>chunk(1).transactionManager(tx)
                .reader(reader).processor(predictor).writer(writer).stream(writer).listener(predictor)
                .faultTolerant().skipPolicy(PrepareJobConfiguration.ITEM_PROBLEMS).skipListener(skips).stream(skips)
                .listener(new PartialStateGuard())
                .build();
    }

    /** A study whose files cannot be read is skipped with its reason (a test set is not checked by prepare). */
    @Bean
    @StepScope
    public SkipRecorder inferBboxSkips(@Value(DATA) String data, @Value(WORK) String work, @Value("#{stepExecution.stepName}") String stepName) {
        return PartFiles.skipRecorder(parts(data, work), STEP, stepName);
    }

    @Bean
    @StepScope
    public RestartableListReader<SliceBoxes> inferStudyReader(@Value("#{stepExecutionContext['" + InferBboxPlan.STUDIES + "']}") String studies) {
        return new RestartableListReader<>("studies", SliceBoxes.decodeSlices(studies));
    }

    @Bean(destroyMethod = "close")
    @StepScope
    public StudyPredictor studyPredictor(@Value(DATA) String data, @Value(WORK) String work,
                                         @Value(CONFIG) String config, DicomSource dicom, DevicePool devices) {
        ExperimentConfig c = ConfigLoader.load(config);
        CompetitionLayout layout = layout(data);
        SliceImageCache images = new SliceImageCache(layout.isTestSet() ? layout.testImages() : layout.trainImages(),
                dicom, c.bbox().imageSize(), c.bbox().windowLevel(), c.bbox().windowWidth(), StudyPredictor.CACHE_BYTES);
        return new StudyPredictor(c.bbox(), WorkLayout.of(work), c.name(), images, c.inferBbox().batchSize(), devices);
    }

    @Bean
    @StepScope
    public FlatteningItemWriter<SlicePrediction> slicePredictionWriter(@Value(DATA) String data,
                                                                      @Value(WORK) String work,
                                                                      @Value("#{stepExecution.stepName}") String stepName) {
        return new FlatteningItemWriter<>(PartFiles.writer(parts(data, work), stepName, false,
                SlicePrediction::csvLine));
    }

    @Bean
    public Step studyBoxes(JobRepository repository, PlatformTransactionManager tx, StudyBoxesTasklet studyBoxesTasklet) {
        return new StepBuilder("studyBoxes", repository).tasklet(studyBoxesTasklet, tx).build();
    }

    @Bean
    @StepScope
    public StudyBoxesTasklet studyBoxesTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                               @Value(CONFIG) String config) throws IOException {
        WorkLayout w = WorkLayout.of(work);
        InferBboxPlan plan = InferBboxPlan.of(layout(data), w);
        return new StudyBoxesTasklet(w, w.inferBboxParts(plan.subset()), w.bboxSlicePred(plan.subset()), w.bboxPred(plan.subset()),
                ConfigLoader.load(config).inferBbox(), plan.lastSlices(), STEP, plan.rejected());
    }

    /** The part folder of the predicted set: the training set's and a test set's are apart. */
    private static Path parts(String data, String work) {
        return WorkLayout.of(work).inferBboxParts(layout(data).isTestSet() ? Subset.TEST : Subset.TRAIN);
    }

    private static CompetitionLayout layout(String data) {
        return new CompetitionLayout(Path.of(data));
    }
}
