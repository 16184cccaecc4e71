package org.rsna22.batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.config.ConfigLoader;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.EnsembleTasklet;
import org.rsna22.fracture.FractureStudy;
import org.rsna22.fracture.StudyPartitionTasklet;
import org.rsna22.fracture.TestSetPredictor;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.labels.SkipRecorder;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.PartitionRanges;
import org.rsna22.submission.SubmissionTasklet;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The infer-fracture job (SPEC §9): a test set's studies with a predicted box (test_bbox_pred_v02.csv.gz, from
 * infer-bbox on the same work folder) cropped, embedded and predicted by every trained study model (partitions
 * studies-NNNN, one study per chunk, unreadable studies skipped), then submission.csv with 8 rows for every study
 * of the test set.
 */
@Configuration
public class InferFractureJobConfiguration {

    public static final String JOB = "infer-fracture";
    static final String PREDICT = "inferFracture";
    private static final String DATA = "#{jobParameters['data']}";
    private static final String WORK = "#{jobParameters['work']}";
    private static final String CONFIG = "#{jobParameters['config']}";

    @Bean
    public Job inferFractureJob(JobRepository repository, JobOwnerListener owner, Step inferFractureClean,
                                Step ensemble, Step inferFracture, Step submission) {
        return new JobBuilder(JOB, repository).listener(owner).start(inferFractureClean).next(ensemble)
                .next(inferFracture).next(submission).build();
    }

    @Bean
    public Step inferFractureClean(JobRepository repository, PlatformTransactionManager tx,
                                   @Qualifier("inferFractureCleanTasklet") Tasklet tasklet) {
        return new StepBuilder("inferFractureClean", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public Tasklet inferFractureCleanTasklet(@Value(WORK) String work) {
        // a failed run must not leave the submission of an earlier one in place
        return PartFiles.clean(WorkLayout.of(work).inferFractureParts(), WorkLayout.of(work).submission());
    }

    /** Which study models predict, which are left out as damaged: checked on every start, restarts included. */
    @Bean
    public Step ensemble(JobRepository repository, PlatformTransactionManager tx,
                         @Qualifier("ensembleTasklet") Tasklet tasklet) {
        return new StepBuilder(EnsembleTasklet.STEP, repository).tasklet(tasklet, tx).allowStartIfComplete(true)
                .build();
    }

    @Bean
    @StepScope
    public Tasklet ensembleTasklet(@Value(WORK) String work, @Value(CONFIG) String config) {
        return new EnsembleTasklet(WorkLayout.of(work), ConfigLoader.load(config));
    }

    @Bean
    public Step inferFracture(JobRepository repository, Step inferFracturePartition,
                              @Qualifier("testStudyPartitioner") Partitioner partitioner,
                              @Qualifier("inferFractureHandler") PartitionHandler handler) {
        return new StepBuilder(PREDICT, repository).partitioner(inferFracturePartition.getName(), partitioner)
                .partitionHandler(handler).build();
    }

    @Bean
    @StepScope
    public Partitioner testStudyPartitioner(@Value(DATA) String data, @Value(WORK) String work,
                                            @Value(CONFIG) String config) throws IOException {
        List<FractureStudy> studies = testStudies(data, work);
        int per = ConfigLoader.load(config).fracture().studiesPerPartition();
        return grid -> PartitionRanges.of(studies, per, s -> 1, "studies");
    }

    @Bean
    @StepScope
    public PartitionHandler inferFractureHandler(Step inferFracturePartition, @Value(CONFIG) String config,
                                                 PartitionHandlers handlers) {
        return handlers.create(inferFracturePartition, ConfigLoader.load(config).fracture().threads(),
                "infer-fracture-");
    }

    @Bean
    public Step inferFracturePartition(JobRepository repository, PlatformTransactionManager tx,
                                       @Qualifier("testStudyReader") RestartableListReader<FractureStudy> reader,
                                       @Qualifier("testSetPredictor") TestSetPredictor predictor,
                                       @Qualifier("testPredictionWriter") FlatFileItemWriter<String> writer,
                                       @Qualifier("inferFractureSkips") SkipRecorder skips) {
        return new StepBuilder("inferFracturePartition", repository)
                .<FractureStudy, String>chunk(1).transactionManager(tx)
                .reader(reader).processor(predictor).writer(writer).stream(writer).listener(predictor)
                .faultTolerant().skipPolicy(PrepareJobConfiguration.ITEM_PROBLEMS).skipListener(skips).stream(skips)
                .listener(new PartialStateGuard())
                .build();
    }

    @Bean
    @StepScope
    public RestartableListReader<FractureStudy> testStudyReader(@Value(DATA) String data, @Value(WORK) String work,
                                                                @Value("#{stepExecutionContext['first']}") Integer first,
                                                                @Value("#{stepExecutionContext['count']}") Integer count)
            throws IOException {
        return new RestartableListReader<>("studies", StudyPartitionTasklet.of(testStudies(data, work), first, count));
    }

    @Bean(destroyMethod = "close")
    @StepScope
    public TestSetPredictor testSetPredictor(@Value(DATA) String data, @Value(WORK) String work,
                                             @Value(CONFIG) String config, DicomSource dicom, DevicePool devices)
            throws IOException {
        return new TestSetPredictor(layout(data).testImages(), WorkLayout.of(work), ConfigLoader.load(config), dicom,
                devices);
    }

    @Bean
    @StepScope
    public FlatFileItemWriter<String> testPredictionWriter(@Value(WORK) String work,
                                                           @Value("#{stepExecution.stepName}") String stepName) {
        return PartFiles.writer(WorkLayout.of(work).inferFractureParts(), stepName, false, line -> line);
    }

    @Bean
    @StepScope
    public SkipRecorder inferFractureSkips(@Value(WORK) String work, @Value("#{stepExecution.stepName}") String stepName) {
        return PartFiles.skipRecorder(WorkLayout.of(work).inferFractureParts(), PREDICT, stepName);
    }

    @Bean
    public Step submission(JobRepository repository, PlatformTransactionManager tx, SubmissionTasklet tasklet) {
        return new StepBuilder(SubmissionTasklet.STEP, repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public SubmissionTasklet submissionTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                               @Value(CONFIG) String config) {
        return new SubmissionTasklet(layout(data), WorkLayout.of(work), PREDICT, List.of(PREDICT, EnsembleTasklet.STEP),
                ConfigLoader.load(config).prepare().maxSkipShare());
    }

    /** The test studies with a study box, or a message saying which job to run first. */
    private static List<FractureStudy> testStudies(String data, String work) throws IOException {
        WorkLayout w = WorkLayout.of(work);
        if (!Files.isRegularFile(w.bboxPred(Subset.TEST))) {
            throw new IllegalStateException(w.bboxPred(Subset.TEST) + " is missing: run infer-bbox data=" + data
                    + " work=" + work + " first");
        }
        return FractureStudy.readTest(w, layout(data).testImages());
    }

    private static CompetitionLayout layout(String data) {
        return new CompetitionLayout(Path.of(data));
    }
}
