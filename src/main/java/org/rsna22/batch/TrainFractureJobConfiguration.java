package org.rsna22.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.config.FractureConfig.SequenceModel;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.FractureModels;
import org.rsna22.fracture.FractureStudy;
import org.rsna22.fracture.FractureWork;
import org.rsna22.fracture.OofTasklet;
import org.rsna22.fracture.PseudoBoxesTasklet;
import org.rsna22.fracture.PseudoLabelsTasklet;
import org.rsna22.fracture.StudyPartitionTasklet;
import org.rsna22.fracture.VertebraLabelsTasklet;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.PartitionRanges;
import org.rsna22.training.TrainRunPartitioner;
import org.rsna22.training.TrainRunTasklet;
import org.rsna22.training.TrainingListener;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The train-fracture job (SPEC §6-8): studyCrops (partitioned over studies) → vertebraLabels → trainVertebra (M2,
 * fold × seed) → pseudoLabels → trainCrackImage1, trainCrackFinder1, pseudoBoxes1, trainCrackImage2, trainCrackFinder2,
 * pseudoBoxes2 (rounds of self-training with fracture.pseudo_box_rounds: an M3 and its pretraining locate the cracks of
 * the fractured studies without crack boxes for the next round) → trainSliceImage (M3's image pretraining, when
 * configured) → trainSliceFracture (M3) → embeddings (partitioned over studies) → trainStudy (M4)
 * → oof (out-of-fold predictions and cv_score.json).
 */
@Configuration
public class TrainFractureJobConfiguration {

    private final DevicePool devices;

    public TrainFractureJobConfiguration(DevicePool devices) {
        this.devices = devices;
    }

    public static final String JOB = "train-fracture";
    static final String CROPS = "studyCrops";
    static final String EMBEDDINGS = "embeddings";
    private static final String DATA = "#{jobParameters['data']}";
    private static final String WORK = "#{jobParameters['work']}";
    private static final String CONFIG = "#{jobParameters['config']}";
    private static final String FIRST = "#{stepExecutionContext['first']}";
    private static final String COUNT = "#{stepExecutionContext['count']}";
    private static final String PARTITION = "#{stepExecution.stepName}";
    /** The key of a training partition's model (vertebra, slice_fracture, study). */
    static final String MODEL = "model";

    @Bean
    public Job trainFractureJob(JobRepository repository, JobOwnerListener owner, Step studyCrops, Step vertebraLabels,
                                Step trainVertebra, Step pseudoLabels, Step trainCrackImage1, Step trainCrackFinder1,
                                Step pseudoBoxes1, Step trainCrackImage2, Step trainCrackFinder2, Step pseudoBoxes2,
                                Step trainSliceImage, Step trainSliceFracture, Step embeddings,
                                Step trainStudy, Step oof) {
        return new JobBuilder(JOB, repository).listener(owner).start(studyCrops).next(vertebraLabels)
                .next(trainVertebra).next(pseudoLabels)
                .next(trainCrackImage1).next(trainCrackFinder1).next(pseudoBoxes1)
                .next(trainCrackImage2).next(trainCrackFinder2).next(pseudoBoxes2)
                .next(trainSliceImage).next(trainSliceFracture)
                .next(embeddings).next(trainStudy).next(oof).build();
    }

    // --- per-study partitioned steps: crops and embeddings ---

    @Bean
    public Step studyCrops(JobRepository repository, Step studyCropsPartition,
                           @Qualifier("fractureStudyPartitioner") Partitioner partitioner,
                           @Qualifier("studyCropsHandler") PartitionHandler handler) {
        return new StepBuilder(CROPS, repository).partitioner(studyCropsPartition.getName(), partitioner)
                .partitionHandler(handler).build();
    }

    @Bean
    public Step embeddings(JobRepository repository, Step embeddingsPartition,
                           @Qualifier("fractureStudyPartitioner") Partitioner partitioner,
                           @Qualifier("embeddingsHandler") PartitionHandler handler) {
        return new StepBuilder(EMBEDDINGS, repository).partitioner(embeddingsPartition.getName(), partitioner)
                .partitionHandler(handler).build();
    }

    @Bean
    @StepScope
    public Partitioner fractureStudyPartitioner(@Value(WORK) String work, @Value(CONFIG) String config) throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(WorkLayout.of(work));
        int per = ConfigLoader.load(config).fracture().studiesPerPartition();
        return grid -> PartitionRanges.of(studies, per, s -> 1, "studies");
    }

    @Bean
    @StepScope
    public PartitionHandler studyCropsHandler(Step studyCropsPartition, @Value(CONFIG) String config,
                                              PartitionHandlers handlers) {
        return handlers.create(studyCropsPartition, ConfigLoader.load(config).fracture().threads(), "crops-");
    }

    @Bean
    @StepScope
    public PartitionHandler embeddingsHandler(Step embeddingsPartition, @Value(CONFIG) String config,
                                              PartitionHandlers handlers) {
        return handlers.create(embeddingsPartition, 1, "embeddings-");
    }

    @Bean
    public Step studyCropsPartition(JobRepository repository, PlatformTransactionManager tx,
                                    @Qualifier("studyCropsTasklet") StudyPartitionTasklet tasklet) {
        return new StepBuilder(CROPS + "Partition", repository).tasklet(tasklet, tx).listener(tasklet).build();
    }

    @Bean
    public Step embeddingsPartition(JobRepository repository, PlatformTransactionManager tx,
                                    @Qualifier("embeddingsTasklet") StudyPartitionTasklet tasklet) {
        return new StepBuilder(EMBEDDINGS + "Partition", repository).tasklet(tasklet, tx).listener(tasklet).build();
    }

    @Bean
    @StepScope
    public StudyPartitionTasklet studyCropsTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                   @Value(CONFIG) String config, @Value(FIRST) Integer first,
                                                   @Value(COUNT) Integer count, @Value(PARTITION) String stepName,
                                                   DicomSource dicom) throws IOException {
        WorkLayout w = WorkLayout.of(work);
        return new StudyPartitionTasklet(CROPS, StudyPartitionTasklet.of(FractureStudy.readAll(w), first, count),
                FractureWork.crops(new CompetitionLayout(Path.of(data)).trainImages(), Subset.TRAIN, w, dicom, ConfigLoader.load(config).fracture()),
                w.fracturePartDir(CROPS), partition(stepName));
    }

    @Bean
    @StepScope
    public StudyPartitionTasklet embeddingsTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                   @Value(CONFIG) String config, @Value(FIRST) Integer first,
                                                   @Value(COUNT) Integer count, @Value(PARTITION) String stepName,
                                                   DicomSource dicom) throws IOException {
        WorkLayout w = WorkLayout.of(work);
        ExperimentConfig c = ConfigLoader.load(config);
        return new StudyPartitionTasklet(EMBEDDINGS, StudyPartitionTasklet.of(FractureStudy.readAll(w), first, count),
                FractureWork.embeddings(models(data, work, c, dicom), c.fracture()),
                w.fracturePartDir(EMBEDDINGS), partition(stepName));
    }

    // --- whole-dataset steps ---

    @Bean
    public Step vertebraLabels(JobRepository repository, PlatformTransactionManager tx, VertebraLabelsTasklet tasklet) {
        return new StepBuilder(VertebraLabelsTasklet.STEP, repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public VertebraLabelsTasklet vertebraLabelsTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                       DicomSource dicom) {
        return new VertebraLabelsTasklet(new CompetitionLayout(Path.of(data)), WorkLayout.of(work), dicom);
    }

    @Bean
    public Step pseudoLabels(JobRepository repository, PlatformTransactionManager tx, PseudoLabelsTasklet tasklet) {
        return new StepBuilder("pseudoLabels", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public PseudoLabelsTasklet pseudoLabelsTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                   @Value(CONFIG) String config, DicomSource dicom) throws IOException {
        ExperimentConfig c = ConfigLoader.load(config);
        return new PseudoLabelsTasklet(WorkLayout.of(work), models(data, work, c, dicom), c.fracture(),
                PseudoLabelsTasklet.fractureSlices(new CompetitionLayout(Path.of(data)).boundingBoxesCsv()));
    }

    @Bean
    public Step pseudoBoxes1(JobRepository repository, PlatformTransactionManager tx, PseudoBoxesTasklet tasklet) {
        return new StepBuilder("pseudoBoxes1", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    public Step pseudoBoxes2(JobRepository repository, PlatformTransactionManager tx, PseudoBoxesTasklet tasklet) {
        return new StepBuilder("pseudoBoxes2", repository).tasklet(tasklet, tx).build();
    }

    /** The crack slices of a self-training round: the round is the step name's last digit (pseudoBoxes1). */
    @Bean
    @StepScope
    public PseudoBoxesTasklet pseudoBoxesTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                                 @Value(CONFIG) String config, @Value(PARTITION) String stepName,
                                                 DicomSource dicom) {
        ExperimentConfig c = ConfigLoader.load(config);
        return new PseudoBoxesTasklet(WorkLayout.of(work), models(data, work, c, dicom), c.fracture(), round(stepName));
    }

    @Bean
    public Step oof(JobRepository repository, PlatformTransactionManager tx, OofTasklet tasklet) {
        return new StepBuilder("oof", repository).tasklet(tasklet, tx).build();
    }

    @Bean
    @StepScope
    public OofTasklet oofTasklet(@Value(DATA) String data, @Value(WORK) String work, @Value(CONFIG) String config,
                                 DicomSource dicom) {
        ExperimentConfig c = ConfigLoader.load(config);
        WorkLayout w = WorkLayout.of(work);
        return new OofTasklet(w, models(data, work, c, dicom), c.fracture(),
                List.of(CROPS, VertebraLabelsTasklet.STEP, EMBEDDINGS));
    }

    // --- the three models: partitions fold × seed ---

    @Bean
    public Step trainVertebra(JobRepository repository, Step trainVertebraPartition,
            @Qualifier("vertebraRuns") Partitioner partitioner, @Qualifier("trainVertebraHandler") PartitionHandler handler) {
        return trainStep("trainVertebra", repository, trainVertebraPartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public PartitionHandler trainVertebraHandler(Step trainVertebraPartition, @Value(CONFIG) String config, PartitionHandlers handlers) {
        return trainHandler(trainVertebraPartition, config, handlers, "trainVertebra-");
    }

    /** M3's image pretraining: no partitions unless fracture.image_pretrain_epochs is set. */
    @Bean
    public Step trainSliceImage(JobRepository repository, Step trainSliceImagePartition,
            @Qualifier("sliceImageRuns") Partitioner partitioner, @Qualifier("trainSliceImageHandler") PartitionHandler handler) {
        return trainStep("trainSliceImage", repository, trainSliceImagePartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public PartitionHandler trainSliceImageHandler(Step trainSliceImagePartition, @Value(CONFIG) String config, PartitionHandlers handlers) {
        return trainHandler(trainSliceImagePartition, config, handlers, "trainSliceImage-");
    }

    // the self-training rounds (fracture.pseudo_box_rounds): no partitions in a round beyond the configured ones, or
    // when every fractured study has its crack boxes; a crack pretraining none unless M3 is pretrained

    @Bean
    public Step trainCrackImage1(JobRepository repository, Step trainCrackImage1Partition,
            @Qualifier("crackRuns") Partitioner partitioner, @Qualifier("crackHandler") PartitionHandler handler) {
        return trainStep("trainCrackImage1", repository, trainCrackImage1Partition, partitioner, handler);
    }

    @Bean
    public Step trainCrackFinder1(JobRepository repository, Step trainCrackFinder1Partition,
            @Qualifier("crackRuns") Partitioner partitioner, @Qualifier("crackHandler") PartitionHandler handler) {
        return trainStep("trainCrackFinder1", repository, trainCrackFinder1Partition, partitioner, handler);
    }

    @Bean
    public Step trainCrackImage2(JobRepository repository, Step trainCrackImage2Partition,
            @Qualifier("crackRuns") Partitioner partitioner, @Qualifier("crackHandler") PartitionHandler handler) {
        return trainStep("trainCrackImage2", repository, trainCrackImage2Partition, partitioner, handler);
    }

    @Bean
    public Step trainCrackFinder2(JobRepository repository, Step trainCrackFinder2Partition,
            @Qualifier("crackRuns") Partitioner partitioner, @Qualifier("crackHandler") PartitionHandler handler) {
        return trainStep("trainCrackFinder2", repository, trainCrackFinder2Partition, partitioner, handler);
    }

    /** The partition step of a crack model's manager step (trainCrackImage1 → trainCrackImage1Partition). */
    @Bean
    @StepScope
    public PartitionHandler crackHandler(@Value(PARTITION) String stepName, @Value(CONFIG) String config,
                                         PartitionHandlers handlers, ApplicationContext context) {
        Step partition = context.getBean(stepName + "Partition", Step.class);
        return trainHandler(partition, config, handlers, stepName + "-");
    }

    @Bean
    public Step trainSliceFracture(JobRepository repository, Step trainSliceFracturePartition,
            @Qualifier("sliceFractureRuns") Partitioner partitioner, @Qualifier("trainSliceFractureHandler") PartitionHandler handler) {
        return trainStep("trainSliceFracture", repository, trainSliceFracturePartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public PartitionHandler trainSliceFractureHandler(Step trainSliceFracturePartition, @Value(CONFIG) String config, PartitionHandlers handlers) {
        return trainHandler(trainSliceFracturePartition, config, handlers, "trainSliceFracture-");
    }

    @Bean
    public Step trainStudy(JobRepository repository, Step trainStudyPartition,
            @Qualifier("studyRuns") Partitioner partitioner, @Qualifier("trainStudyHandler") PartitionHandler handler) {
        return trainStep("trainStudy", repository, trainStudyPartition, partitioner, handler);
    }

    @Bean
    @StepScope
    public PartitionHandler trainStudyHandler(Step trainStudyPartition, @Value(CONFIG) String config, PartitionHandlers handlers) {
        return trainHandler(trainStudyPartition, config, handlers, "trainStudy-");
    }

    @Bean
    @StepScope
    public Partitioner vertebraRuns(@Value(WORK) String work, @Value(CONFIG) String config) {
        return runs(work, config, FractureModels.VERTEBRA);
    }

    @Bean
    @StepScope
    public Partitioner sliceFractureRuns(@Value(WORK) String work, @Value(CONFIG) String config) {
        return runs(work, config, FractureModels.SLICE_FRACTURE);
    }

    @Bean
    @StepScope
    public Partitioner sliceImageRuns(@Value(WORK) String work, @Value(CONFIG) String config) {
        return runs(work, config, FractureModels.SLICE_IMAGE);
    }

    /**
     * The runs of the crack model a manager step trains (trainCrackFinder2 → crack_finder_2): none unless its round
     * trains (fracture.pseudo_box_rounds and fractured studies without crack boxes).
     */
    @Bean
    @StepScope
    public Partitioner crackRuns(@Value(DATA) String data, @Value(WORK) String work, @Value(CONFIG) String config,
                                 @Value(PARTITION) String stepName, DicomSource dicom) throws IOException {
        int round = round(stepName);
        String model = stepName.startsWith("trainCrackImage") ? FractureModels.crackImage(round)
                : FractureModels.crackFinder(round);
        return models(data, work, ConfigLoader.load(config), dicom).crackRoundTrains(round)
                ? runs(work, config, model) : grid -> Map.of();
    }

    @Bean
    @StepScope
    public Partitioner studyRuns(@Value(WORK) String work, @Value(CONFIG) String config) {
        return runs(work, config, FractureModels.STUDY);
    }

    @Bean
    public Step trainVertebraPartition(JobRepository repository, PlatformTransactionManager tx,
                                       @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainVertebraPartition", repository, tx, tasklet);
    }

    @Bean
    public Step trainSliceImagePartition(JobRepository repository, PlatformTransactionManager tx,
                                         @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainSliceImagePartition", repository, tx, tasklet);
    }

    @Bean
    public Step trainCrackImage1Partition(JobRepository repository, PlatformTransactionManager tx,
            @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainCrackImage1Partition", repository, tx, tasklet);
    }

    @Bean
    public Step trainCrackFinder1Partition(JobRepository repository, PlatformTransactionManager tx,
            @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainCrackFinder1Partition", repository, tx, tasklet);
    }

    @Bean
    public Step trainCrackImage2Partition(JobRepository repository, PlatformTransactionManager tx,
            @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainCrackImage2Partition", repository, tx, tasklet);
    }

    @Bean
    public Step trainCrackFinder2Partition(JobRepository repository, PlatformTransactionManager tx,
            @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainCrackFinder2Partition", repository, tx, tasklet);
    }

    @Bean
    public Step trainSliceFracturePartition(JobRepository repository, PlatformTransactionManager tx,
                                            @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainSliceFracturePartition", repository, tx, tasklet);
    }

    @Bean
    public Step trainStudyPartition(JobRepository repository, PlatformTransactionManager tx,
                                    @Qualifier("fractureRunTasklet") TrainRunTasklet tasklet) {
        return runPartition("trainStudyPartition", repository, tx, tasklet);
    }

    /** One (model, fold, seed) run; the partition's context names the model. */
    @Bean
    @StepScope
    public TrainRunTasklet fractureRunTasklet(@Value(DATA) String data, @Value(WORK) String work,
                                              @Value(CONFIG) String config,
                                              @Value("#{stepExecutionContext['" + MODEL + "']}") String model,
                                              @Value("#{stepExecutionContext['fold']}") Integer fold,
                                              @Value("#{stepExecutionContext['seed']}") Integer seed,
                                              List<TrainingListener> listeners, DicomSource dicom) {
        ExperimentConfig c = ConfigLoader.load(config);
        FractureModels models = models(data, work, c, dicom);
        return new TrainRunTasklet(models.run(model, fold, seed), device -> models.task(model, fold, seed, device), c,
                TrainingListener.all(listeners), devices);
    }

    // --- helpers: the three models are wired alike ---

    /** The fracture models of a work folder, whose damaged training crops are made again from the dataset's files. */
    private FractureModels models(String data, String work, ExperimentConfig c, DicomSource dicom) {
        WorkLayout w = WorkLayout.of(work);
        CompetitionLayout dataset = new CompetitionLayout(Path.of(data));
        return new FractureModels(w, c, FractureWork.cropSource(dataset.trainImages(), w, dicom, c.fracture()), devices,
                dataset.boundingBoxesCsv());
    }

    /** A model's step: its fold × seed runs as partitions, run by the model's handler. */
    private static Step trainStep(String name, JobRepository repository, Step partition, Partitioner partitioner,
                                  PartitionHandler handler) {
        return new StepBuilder(name, repository).partitioner(partition.getName(), partitioner).partitionHandler(handler)
                .build();
    }

    /**
     * A model's runs, fracture.parallel_runs at once: auto is one per device (one after another on the CPU, where one
     * training already uses every core).
     */
    private PartitionHandler trainHandler(Step partition, String config, PartitionHandlers handlers, String prefix) {
        return handlers.createTraining(partition,
                ConfigLoader.load(config).fracture().parallelRuns().resolve(devices.size()), prefix, devices);
    }

    /** fold × seed partitions of one model, each with its model's name and step count. */
    private static Partitioner runs(String work, String config, String model) {
        FractureModels models = new FractureModels(WorkLayout.of(work), ConfigLoader.load(config));
        SequenceModel m = models.settingsOf(model);
        if (m.folds().isEmpty()) {
            return grid -> Map.of(); // a model the config does not train
        }
        try {
            TrainRunPartitioner.requireCovers(FractureStudy.readAll(WorkLayout.of(work)).stream().map(FractureStudy::fold)
                    .collect(Collectors.toSet()), m.folds(), "fracture." + model + ".folds");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TrainRunPartitioner runs = new TrainRunPartitioner(m.folds(), m.seeds(), fold -> {
            try {
                return models.steps(model, fold);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return grid -> {
            Map<String, ExecutionContext> parts = runs.partition(grid);
            parts.values().forEach(ctx -> ctx.putString(MODEL, model));
            return parts;
        };
    }

    /** A partition step that trains one (model, fold, seed) run, named as its bean (workers find it by the name). */
    private static Step runPartition(String name, JobRepository repository, PlatformTransactionManager tx,
                                     TrainRunTasklet tasklet) {
        return new StepBuilder(name, repository).tasklet(tasklet, tx).listener(tasklet).build();
    }

    /** The self-training round of a step: its name's last digit (trainCrackFinder2, pseudoBoxes1). */
    private static int round(String stepName) {
        return stepName.charAt(stepName.length() - 1) - '0';
    }

    /** "studyCropsPartition:studies-0003" → "studies-0003". */
    private static String partition(String stepName) {
        return stepName.substring(stepName.indexOf(':') + 1);
    }
}
