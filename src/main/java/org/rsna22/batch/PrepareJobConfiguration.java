package org.rsna22.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.PrepareConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.labels.AllSlicesTasklet;
import org.rsna22.labels.BboxLabelProcessor;
import org.rsna22.labels.BoxRow;
import org.rsna22.labels.FoldsTasklet;
import org.rsna22.labels.PartsMergeTasklet;
import org.rsna22.labels.SkipRecorder;
import org.rsna22.labels.SkippedItemException;
import org.rsna22.labels.SliceFile;
import org.rsna22.labels.SliceFileReader;
import org.rsna22.labels.SliceHeaderProcessor;
import org.rsna22.labels.SliceMeta;
import org.rsna22.labels.StudyEntry;
import org.rsna22.labels.StudyListTasklet;
import org.rsna22.labels.StudyRangePartitioner;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.skip.SkipPolicy;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The prepare job (SPEC §1-3): studyList → folds → sliceMetadata (partitioned) → sliceMetadataMerge →
 * bboxLabels (partitioned) → bboxLabelsMerge → allSlices. Partitions are studies-NNNN ranges of the
 * admitted studies; each writes its own part files, merged in order by the merge steps.
 */
@Configuration
public class PrepareJobConfiguration {

    public static final String JOB = "prepare";
    private static final String DATA = "#{jobParameters['data']}";
    private static final String WORK = "#{jobParameters['work']}";
    private static final String CONFIG = "#{jobParameters['config']}";
    private static final Predicate<StudyEntry> ALL = s -> true;
    private static final Predicate<StudyEntry> SEGMENTED = StudyEntry::segmented;

    /** Item-level problems (unreadable or unusable files) skip the item; anything else fails the step. */
    static final SkipPolicy ITEM_PROBLEMS = (t, count) -> {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof SkippedItemException) {
                return true;
            }
        }
        return false;
    };

    @Bean
    public Job prepareJob(JobRepository repository, Step studyList, Step folds, Step sliceMetadata,
                          Step sliceMetadataMerge, Step bboxLabels, Step bboxLabelsMerge, Step allSlices,
                          JobOwnerListener owner) {
        return new JobBuilder(JOB, repository)
                .listener(owner)
                .start(studyList).next(folds).next(sliceMetadata).next(sliceMetadataMerge)
                .next(bboxLabels).next(bboxLabelsMerge).next(allSlices)
                .build();
    }

    // --- whole-dataset tasklets ---

    @Bean
    public Step studyList(JobRepository repository, PlatformTransactionManager tx, StudyListTasklet tasklet) {
        return new StepBuilder("studyList", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public StudyListTasklet studyListTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                   @Value(CONFIG) String config) {
        return new StudyListTasklet(layout(data), work(work), prepare(config));
    }

    @Bean
    public Step folds(JobRepository repository, PlatformTransactionManager tx,
                      FoldsTasklet tasklet) {
        return new StepBuilder("folds", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public FoldsTasklet foldsTasklet(@Value(DATA) String data, @Value(WORK) String work, @Value(CONFIG) String config) {
        return new FoldsTasklet(layout(data), work(work), prepare(config));
    }

    @Bean
    public Step allSlices(JobRepository repository, PlatformTransactionManager tx,
                          AllSlicesTasklet tasklet) {
        return new StepBuilder("allSlices", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public AllSlicesTasklet allSlicesTasklet(@Value(WORK) String work) {
        return new AllSlicesTasklet(work(work));
    }

    // --- sliceMetadata: one header-only read per file, partitioned by studies ---

    @Bean
    public Step sliceMetadata(JobRepository repository, Step sliceMetadataPartition,
                              @Qualifier("sliceMetadataPartitioner") StudyRangePartitioner partitioner,
                              @Qualifier("sliceMetadataHandler") PartitionHandler handler) {
        return partitioned("sliceMetadata", repository, sliceMetadataPartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public StudyRangePartitioner sliceMetadataPartitioner(@Value(WORK) String work, @Value(CONFIG) String config) {
        return new StudyRangePartitioner(work(work), prepare(config).studiesPerPartition(), ALL, StudyEntry::files,
                "slices");
    }

    @Bean
    @StepScope
    public PartitionHandler sliceMetadataHandler(Step sliceMetadataPartition, @Value(CONFIG) String config,
                                                 PartitionHandlers handlers) {
        return handlers.create(sliceMetadataPartition, prepare(config).threads(), "slice-meta-");
    }

    @Bean
    public Step sliceMetadataPartition(JobRepository repository, PlatformTransactionManager tx,
                                       ItemStreamReader<SliceFile> sliceFileReader,
                                       SliceHeaderProcessor sliceHeaderProcessor,
                                       @Qualifier("sliceMetaWriter") FlatFileItemWriter<SliceMeta> sliceMetaWriter,
                                       @Qualifier("sliceMetadataSkips") SkipRecorder skips,
                                       @Value("${rsna22.prepare.slice-chunk-size}") int chunk) {
        return new StepBuilder("sliceMetadataPartition", repository)
                .<SliceFile, SliceMeta>chunk(chunk).transactionManager(tx)
                .reader(sliceFileReader).processor(sliceHeaderProcessor).writer(sliceMetaWriter)
                .faultTolerant().skipPolicy(ITEM_PROBLEMS).skipListener(skips).stream(skips)
                .listener(new PartialStateGuard())
                .build();
    }

    @Bean
    @StepScope
    public SliceFileReader sliceFileReader(@Value(DATA) String data, @Value(WORK) String work,
                                           @Value("#{stepExecutionContext['first']}") Integer first,
                                           @Value("#{stepExecutionContext['count']}") Integer count) throws IOException {
        return new SliceFileReader(layout(data), StudyRangePartitioner.studiesOf(work(work), ALL, first, count));
    }

    @Bean
    @StepScope
    public SliceHeaderProcessor sliceHeaderProcessor(@Value(DATA) String data, DicomSource dicom) {
        return new SliceHeaderProcessor(dicom, layout(data));
    }

    @Bean
    @StepScope
    public FlatFileItemWriter<SliceMeta> sliceMetaWriter(@Value(WORK) String work,
                                                        @Value("#{stepExecution.stepName}") String stepName) {
        return partWriter(work, "sliceMetadata", stepName, SliceMeta::csvLine);
    }

    @Bean
    @StepScope
    public SkipRecorder sliceMetadataSkips(@Value(WORK) String work, @Value("#{stepExecution.stepName}") String stepName) {
        return skipRecorder(work, "sliceMetadata", stepName);
    }

    @Bean
    public Step sliceMetadataMerge(JobRepository repository, PlatformTransactionManager tx,
                                   @Qualifier("sliceMetadataMergeTasklet") PartsMergeTasklet tasklet) {
        return new StepBuilder("sliceMetadataMerge", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public PartsMergeTasklet sliceMetadataMergeTasklet(@Value(WORK) String work, @Value(CONFIG) String config,
                                                       JobRepository repository,
                                                       @Qualifier("sliceMetadataPartitioner") StudyRangePartitioner partitioner) {
        return merge(work, config, "sliceMetadata", SliceMeta.HEADER, WorkLayout::sliceMeta,
                studies -> studies.stream().mapToLong(StudyEntry::files).sum(), repository, partitioner);
    }

    // --- bboxLabels: one segmented study per item, partitioned by studies ---

    @Bean
    public Step bboxLabels(JobRepository repository, Step bboxLabelsPartition,
                           @Qualifier("bboxLabelsPartitioner") StudyRangePartitioner partitioner,
                           @Qualifier("bboxLabelsHandler") PartitionHandler handler) {
        return partitioned("bboxLabels", repository, bboxLabelsPartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public StudyRangePartitioner bboxLabelsPartitioner(@Value(WORK) String work, @Value(CONFIG) String config) {
        return new StudyRangePartitioner(work(work), prepare(config).studiesPerPartition(), SEGMENTED, s -> 1,
                "studies");
    }

    @Bean
    @StepScope
    public PartitionHandler bboxLabelsHandler(Step bboxLabelsPartition, @Value(CONFIG) String config,
                                              PartitionHandlers handlers) {
        return handlers.create(bboxLabelsPartition, prepare(config).threads(), "bbox-labels-");
    }

    @Bean
    public Step bboxLabelsPartition(JobRepository repository, PlatformTransactionManager tx,
                                    @Qualifier("segmentedStudyReader") RestartableListReader<StudyEntry> reader,
                                    @Qualifier("bboxLabelProcessor") BboxLabelProcessor processor,
                                    @Qualifier("bboxLabelWriter") FlatteningItemWriter<BoxRow> writer,
                                    @Qualifier("bboxLabelsSkips") SkipRecorder skips,
                                    @Value("${rsna22.prepare.study-chunk-size}") int chunk) {
        return new StepBuilder("bboxLabelsPartition", repository)
                .<StudyEntry, List<BoxRow>>chunk(chunk).transactionManager(tx)
                .reader(reader).processor(processor).writer(writer).stream(writer)
                .faultTolerant().skipPolicy(ITEM_PROBLEMS).skipListener(skips).stream(skips)
                .listener(new PartialStateGuard())
                .build();
    }

    @Bean
    @StepScope
    public RestartableListReader<StudyEntry> segmentedStudyReader(@Value(WORK) String work,
                                                                @Value("#{stepExecutionContext['first']}") Integer first,
                                                                @Value("#{stepExecutionContext['count']}") Integer count)
            throws IOException {
        return new RestartableListReader<>("studies", StudyRangePartitioner.studiesOf(work(work), SEGMENTED, first, count));
    }

    @Bean
    @StepScope
    public BboxLabelProcessor bboxLabelProcessor(@Value(DATA) String data, @Value(WORK) String work, DicomSource dicom)
            throws IOException {
        return new BboxLabelProcessor(layout(data), dicom, FoldsTasklet.readFolds(work(work)));
    }

    @Bean
    @StepScope
    public FlatteningItemWriter<BoxRow> bboxLabelWriter(@Value(WORK) String work,
                                                 @Value("#{stepExecution.stepName}") String stepName) {
        return new FlatteningItemWriter<>(partWriter(work, "bboxLabels", stepName, BoxRow::csvLine));
    }

    @Bean
    @StepScope
    public SkipRecorder bboxLabelsSkips(@Value(WORK) String work, @Value("#{stepExecution.stepName}") String stepName) {
        return skipRecorder(work, "bboxLabels", stepName);
    }

    @Bean
    public Step bboxLabelsMerge(JobRepository repository, PlatformTransactionManager tx,
                                @Qualifier("bboxLabelsMergeTasklet") PartsMergeTasklet tasklet) {
        return new StepBuilder("bboxLabelsMerge", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public PartsMergeTasklet bboxLabelsMergeTasklet(@Value(WORK) String work, @Value(CONFIG) String config,
                                                    JobRepository repository,
                                                    @Qualifier("bboxLabelsPartitioner") StudyRangePartitioner partitioner) {
        return merge(work, config, "bboxLabels", BoxRow.HEADER, WorkLayout::bboxLabels,
                studies -> studies.stream().filter(SEGMENTED).count(), repository, partitioner);
    }

    // --- helpers: the two partitioned steps are wired alike ---

    /** A partitioned step: the manager that splits the studies and hands partitions to the handler. */
    private static Step partitioned(String name, JobRepository repository, Step partition, StudyRangePartitioner partitioner,
                                    PartitionHandler handler) {
        return new StepBuilder(name, repository).partitioner(partition.getName(), partitioner)
                .partitionHandler(handler).build();
    }

    /** The part file of one partition of a step. */
    private static <T> FlatFileItemWriter<T> partWriter(String work, String step, String stepName, Function<T, String> line) {
        return PartFiles.writer(work(work).preparePartDir(step), stepName, false, line);
    }

    /** The skip part file of one partition of a step. */
    private static SkipRecorder skipRecorder(String work, String step, String stepName) {
        return PartFiles.skipRecorder(work(work).preparePartDir(step), step, stepName);
    }

    /** The merge of a step's parts into its output, after checking the skip share. */
    private static PartsMergeTasklet merge(String work, String config, String step, String header,
                                           Function<WorkLayout, Path> target, ToLongFunction<List<StudyEntry>> items,
                                           JobRepository repository, StudyRangePartitioner partitioner) {
        WorkLayout w = work(work);
        return new PartsMergeTasklet(w, step, header, target.apply(w), prepare(config).maxSkipShare(), items,
                repository, () -> partitioner.partition(1).keySet());
    }

    static CompetitionLayout layout(String data) {
        return new CompetitionLayout(Path.of(data));
    }

    static WorkLayout work(String work) {
        return WorkLayout.of(work);
    }

    static PrepareConfig prepare(String config) {
        return ConfigLoader.load(config).prepare();
    }

}
