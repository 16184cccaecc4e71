package org.rsna22.fracture;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.rsna22.config.BatchLimit;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.config.FractureConfig.SequenceModel;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.DevicePool;
import org.rsna22.training.ModelTrainer;
import org.rsna22.training.TrainRun;
import org.rsna22.training.TrainingSettings;
import org.rsna22.training.TrainingTask;

/**
 * The three models of the fracture stage and what each trains on: M2 ({@code vertebra}) on the segmented studies'
 * vertebra shares, M3 ({@code slice_fracture}) on every study's pseudo-labels, M4 ({@code study}) on M3's embeddings
 * and the study labels. Also which trained runs predict a study of a given fold.
 */
public final class FractureModels {

    public static final String VERTEBRA = "vertebra";
    public static final String SLICE_FRACTURE = "slice_fracture";
    /** M3's image pretraining (fracture.image_pretrain_epochs): the same network on single slices. */
    public static final String SLICE_IMAGE = "slice_image";
    public static final String STUDY = "study";
    /**
     * With fracture.pseudo_box_rounds, the crack finder of a self-training round: an M3 (slice_fracture's settings,
     * trained as M3 is, from its round's {@link #crackImage}) that locates the cracks of the fractured studies without
     * crack boxes for the next round ({@link PseudoBoxes}).
     */
    public static String crackFinder(int round) {
        return CRACK_FINDER + "_" + round;
    }

    /** The crack finder's image pretraining of a round: slice_image's settings. */
    public static String crackImage(int round) {
        return CRACK_IMAGE + "_" + round;
    }

    private static final String CRACK_FINDER = "crack_finder";
    private static final String CRACK_IMAGE = "crack_image";
    /**
     * What each store's crops kept in memory may take: 256 MiB is every crop of a small dataset, or about 8 studies of
     * 256-pixel crops; the training draws windows across studies, so a crop is read from the cache files again.
     */
    static final long CROP_CACHE_BYTES = 256L << 20;
    /** M3's outputs per image: vertebra C1..C7, fracture C1..C7, any fracture. */
    static final int SLICE_OUTPUTS = 15;

    private final WorkLayout work;
    private final ExperimentConfig experiment;
    private final FractureConfig config;
    private final CropStore.Source cropSource;
    private final DevicePool devices;
    /** train_bounding_boxes.csv of the training data, or null when unknown (no study's image head is masked). */
    private final Path boundingBoxes;

    public FractureModels(WorkLayout work, ExperimentConfig experiment) {
        this(work, experiment, null, DevicePool.of("cpu", () -> 0));
    }

    public FractureModels(WorkLayout work, ExperimentConfig experiment, CropStore.Source cropSource,
                          DevicePool devices) {
        this(work, experiment, cropSource, devices, null);
    }

    /**
     * @param cropSource makes a training study's crop again when the cached one is damaged (null: fail instead)
     * @param devices    where the steps that run a network take their device from
     * @param boundingBoxes the training data's train_bounding_boxes.csv (a missing file boxes no study): with
     *                   {@code fracture.box_labels}, a fractured study that has no crack box there trains M3's
     *                   sequence heads on its pseudo-labels but not its image head, since which of its images show
     *                   the crack is unknown; null: every study trains the image head
     */
    public FractureModels(WorkLayout work, ExperimentConfig experiment, CropStore.Source cropSource,
                          DevicePool devices, Path boundingBoxes) {
        this.work = work;
        this.experiment = experiment;
        this.config = experiment.fracture();
        this.cropSource = cropSource;
        this.devices = devices;
        this.boundingBoxes = boundingBoxes;
    }

    /** The pool the steps that run a network take a device from. */
    public DevicePool devices() {
        return devices;
    }

    public SequenceModel settingsOf(String model) {
        return switch (kind(model)) {
            case VERTEBRA -> config.vertebra();
            case SLICE_FRACTURE -> config.sliceFracture();
            case SLICE_IMAGE -> config.sliceImage();
            case STUDY -> config.study();
            default -> throw new IllegalArgumentException("unknown fracture model " + model);
        };
    }

    /** A model's training settings (its min_steps resolved by the trainer against its samples). */
    TrainingSettings settings(String model) {
        SequenceModel m = settingsOf(model);
        return new TrainingSettings("fracture." + model, m.epochs(), m.batchSize(), m.batchSize(), m.lr(),
                m.weightDecay(), m.warmup(), m.cosine(), 2, 2, m.limitTrainBatches(), m.limitValBatches(), m.minSteps(),
                m.validateEvery());
    }

    public TrainRun run(String model, int fold, int seed) {
        return new TrainRun(experiment.name() + "/" + model, fold, seed, work.run(experiment.name(), model, fold, seed));
    }

    public CropStore crops() {
        return crops(Subset.TRAIN);
    }

    public CropStore crops(Subset subset) {
        CropStore crops = new CropStore(work, subset, config.cropSize(), config.windowLevel(), config.windowWidth(),
                CROP_CACHE_BYTES,
                config.imageSlices() == 1, config.perSliceMinMax());
        return subset == Subset.TRAIN && cropSource != null ? crops.rebuildingFrom(cropSource) : crops;
    }

    /** The training task of one (model, fold, seed) run, whose network runs on {@code device}. */
    public TrainingTask task(String model, int fold, int seed, Device device) throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(work);
        if (model.equals(STUDY)) {
            Map<String, Integer> foldOf = new HashMap<>();
            studies.forEach(s -> foldOf.put(s.uid(), s.fold()));
            EmbeddingCache cache = new EmbeddingCache(this, config, device);
            List<FractureStudy> train = studyTrain(studies, fold);
            return new StudyTask(settings(model), config, config.maxStudyLength(),
                    SequenceTask.studyInputSize(config), train,
                    studies.stream().filter(s -> embedded(s, fold) && TrainRun.validatesOn(fold, s.fold())).toList(),
                    new StudyTask.Inputs() {
                        @Override
                        public StudyEmbedding of(String uid) throws IOException {
                            return cache.studyInput(embeddingFold(foldOf.get(uid), fold), uid);
                        }

                        @Override
                        public void close() {
                            cache.close();
                        }
                    });
        }
        CropStore crops = crops();
        Map<String, Map<Integer, float[]>> targets = targets(model);
        Set<String> unlocated = model.equals(VERTEBRA) ? Set.of() : unlocated(studies);
        int reads = model.equals(VERTEBRA) ? 0 : round(model) - 1; // the round whose crack slices the model reads
        if (reads > 0 && !unlocated.isEmpty()) {
            Path csv = work.pseudoBoxes(reads);
            if (!Files.isRegularFile(csv)) {
                throw new IllegalStateException("fracture.pseudo_box_rounds is " + config.pseudoBoxRounds() + " and "
                        + unlocated.size() + " fractured studies have no crack box, but " + csv + " is missing: "
                        + "the pseudoBoxes" + reads + " step of train-fracture writes it; run train-fracture again");
            }
            Map<String, List<Integer>> located = PseudoBoxes.read(csv, fold);
            located.keySet().retainAll(unlocated);
            targets = PseudoBoxes.apply(targets, located);
            unlocated = new HashSet<>(unlocated);
            unlocated.removeAll(located.keySet());
        }
        TrainingTask.Start start = null;
        if (kind(model).equals(SLICE_FRACTURE) && config.imagePretraining()) { // M3 or a crack finder: its pretraining
            String pretraining = model.equals(SLICE_FRACTURE) ? SLICE_IMAGE : crackImage(round(model));
            start = new TrainingTask.Start(run(pretraining, fold, seed).model(), pretraining);
        }
        List<String> train = sequenceStudies(studies, crops, targets, s -> TrainRun.trainsOn(fold, s.fold()));
        return new SequenceTask(model, settings(model), config, crops, targets,
                settingsOf(model).nonzeroWeight(), train,
                sequenceStudies(studies, crops, targets, s -> TrainRun.validatesOn(fold, s.fold())),
                pretrains(model), start, unlocated);
    }

    /** Whether a slice model is an image pretraining: single slices rather than windows. */
    private static boolean pretrains(String model) {
        return kind(model).equals(SLICE_IMAGE);
    }

    /** What a model is trained as: a round's crack finder as slice_fracture, its pretraining as slice_image. */
    static String kind(String model) {
        return model.startsWith(CRACK_FINDER + "_") ? SLICE_FRACTURE
                : model.startsWith(CRACK_IMAGE + "_") ? SLICE_IMAGE : model;
    }

    /**
     * The self-training round of a model of M3's kind: a crack model's own (from 1), M3's and its pretraining's one
     * after the last ({@code pseudo_box_rounds} + 1). A model reads the crack slices of the round before its own.
     */
    int round(String model) {
        if (!kind(model).equals(model)) {
            return Integer.parseInt(model.substring(model.lastIndexOf('_') + 1));
        }
        return config.pseudoBoxRounds() + 1;
    }

    /**
     * Whether the crack finders (and their pretraining, when M3 has one) of self-training round {@code round} train:
     * with {@code fracture.pseudo_box_rounds} of at least that round and some fractured study without a crack box
     * ({@link #unlocated}).
     */
    public boolean crackRoundTrains(int round) throws IOException {
        return config.pseudoBoxRounds() >= round && !unlocated(FractureStudy.readAll(work)).isEmpty();
    }

    /**
     * With {@code box_labels}, the fractured studies without a crack box in the training data's
     * train_bounding_boxes.csv (the competition boxes a quarter of them); empty without box labels or when the file
     * is not known.
     */
    Set<String> unlocated(List<FractureStudy> studies) throws IOException {
        if (!config.boxLabels() || boundingBoxes == null) {
            return Set.of();
        }
        Set<String> boxed = PseudoLabelsTasklet.fractureSlices(boundingBoxes).keySet();
        Set<String> out = new HashSet<>();
        for (FractureStudy s : studies) {
            if (s.labels()[0] == 1 && !boxed.contains(s.uid())) {
                out.add(s.uid());
            }
        }
        return out;
    }

    /** Optimiser steps of a run, known before it starts (for progress): the samples {@link #task} will have. */
    public long steps(String model, int fold) throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(work);
        long samples;
        if (model.equals(STUDY)) {
            samples = studyTrain(studies, fold).size();
        } else {
            CropStore crops = crops();
            samples = samples(model, crops, sequenceStudies(studies, crops, targets(model),
                    s -> TrainRun.trainsOn(fold, s.fold())));
        }
        return ModelTrainer.totalSteps(samples, settings(model));
    }

    /** The training samples a slice model's run has on {@code train}: windows, or single slices when pretraining. */
    private long samples(String model, CropStore crops, List<String> train) throws IOException {
        return SequenceTask.sampleCount(crops, train, config.imagesPerWindow(), pretrains(model));
    }

    private List<FractureStudy> studyTrain(List<FractureStudy> studies, int fold) throws IOException {
        List<FractureStudy> out = new ArrayList<>();
        for (FractureStudy s : studies) {
            if (embedded(s, fold) && TrainRun.trainsOn(fold, s.fold())) {
                out.add(s);
            }
        }
        return out;
    }

    /** Whether a study has the embedding that the study model of {@code fold} reads. */
    private boolean embedded(FractureStudy s, int fold) {
        return Files.isRegularFile(studyInput(s.fold(), fold, s.uid()));
    }

    /**
     * The file that the study model of {@code fold} reads for a study of {@code studyFold}: the CNN features by the
     * M3 of the study model's fold, or with {@code study_inputs: scores} the study's scores by the M3 of its own
     * fold (out of fold; the all-data M3 when no M3 is trained per fold).
     */
    Path studyInput(int studyFold, int fold, String uid) {
        return embeddingFile(embeddingFold(studyFold, fold), uid);
    }

    /** The M3 fold whose vectors of a study of {@code studyFold} the study model of {@code fold} reads. */
    int embeddingFold(int studyFold, int fold) {
        return modelFold(SLICE_FRACTURE, config.studyReadsScores() ? studyFold : fold);
    }

    /** The studies a slice model can learn from: with a crop and with targets, among those {@code keep} picks. */
    private static List<String> sequenceStudies(List<FractureStudy> studies, CropStore crops,
                                                Map<String, Map<Integer, float[]>> targets,
                                                Predicate<FractureStudy> keep) {
        List<String> out = new ArrayList<>();
        for (FractureStudy s : studies) {
            if (keep.test(s) && targets.containsKey(s.uid()) && crops.has(s.uid())) {
                out.add(s.uid());
            }
        }
        return out;
    }

    private Map<String, Map<Integer, float[]>> targets(String model) throws IOException {
        return switch (kind(model)) {
            case VERTEBRA -> vertebraTargets();
            case SLICE_FRACTURE, SLICE_IMAGE -> pseudoTargets();
            default -> throw new IllegalArgumentException("unknown slice model " + model);
        };
    }

    /** Outputs per image of a slice model: M2's 7 vertebrae, M3's and its pretraining's {@link #SLICE_OUTPUTS}. */
    static int outputs(String model) {
        return switch (kind(model)) {
            case VERTEBRA -> 7;
            case SLICE_FRACTURE, SLICE_IMAGE -> SLICE_OUTPUTS;
            default -> throw new IllegalArgumentException("not a slice model: " + model);
        };
    }

    /**
     * The fold whose models predict a study of {@code fold}: that fold, else -1 (all data) when the config trains no
     * model for the fold.
     */
    public int modelFold(String model, int fold) {
        List<Integer> folds = settingsOf(model).folds();
        if (folds.contains(fold)) {
            return fold;
        }
        if (folds.contains(-1)) {
            return -1;
        }
        throw new IllegalStateException("fracture." + model + ".folds " + folds + " has neither fold " + fold
                + " nor -1 (all data): no model can predict the studies of fold " + fold);
    }

    /** The finished runs (every seed) that predict a study of {@code fold}. */
    public List<RunFolder> runsFor(String model, int fold) throws IOException {
        int use = modelFold(model, fold);
        List<RunFolder> runs = work.trainedRuns(experiment.name(), model, use);
        if (runs.isEmpty()) {
            throw new IllegalStateException("no finished " + model + " run of fold " + use + " under "
                    + work.runs(experiment.name()).resolve(model));
        }
        return runs;
    }

    /**
     * The slice-fracture runs of a fold (as {@link #modelFold} gives it) whose outputs the study model reads: with
     * {@code study_inputs: scores} the run of every configured seed (their scores averaged, as the original averages
     * its seeds); with embeddings the run of the first seed alone (the features of two networks do not average).
     */
    public List<RunFolder> embeddingRuns(int m3Fold) {
        List<Integer> seeds = config.studyReadsScores() ? config.sliceFracture().seeds() : List.of(embeddingSeed());
        List<RunFolder> runs = new ArrayList<>(seeds.size());
        for (int seed : seeds) {
            RunFolder run = work.run(experiment.name(), SLICE_FRACTURE, m3Fold, seed);
            if (!Files.isDirectory(run.model())) {
                throw new IllegalStateException("no finished slice_fracture run at " + run.dir() + " to embed with");
            }
            runs.add(run);
        }
        return runs;
    }

    /**
     * The models whose epochs are capped (limit_train_batches, limit_val_batches below all), the box localiser's
     * included, each with its limits; empty for a run of whole epochs.
     */
    public Map<String, String> limitedTraining() {
        Map<String, String> out = new LinkedHashMap<>();
        BboxConfig b = experiment.bbox();
        if (!b.limitTrainBatches().all() || !b.limitValBatches().all()) {
            out.put("bbox", limits(b.limitTrainBatches(), b.limitValBatches()));
        }
        for (String model : List.of(VERTEBRA, SLICE_IMAGE, SLICE_FRACTURE, STUDY)) {
            SequenceModel m = settingsOf(model);
            if (!m.folds().isEmpty() && (!m.limitTrainBatches().all() || !m.limitValBatches().all())) {
                out.put(model, limits(m.limitTrainBatches(), m.limitValBatches()));
            }
        }
        return out;
    }

    private static String limits(BatchLimit train, BatchLimit val) {
        return "limit_train_batches " + train + ", limit_val_batches " + val;
    }

    /** Whether M3 was trained per fold (an honest CV) rather than once on all data (the original's choice). */
    public boolean sliceFracturePerFold() {
        return !config.sliceFracture().folds().contains(-1);
    }

    /** The work folder. */
    WorkLayout work() {
        return work;
    }

    /**
     * The embedding of a study by the slice-fracture runs of {@code m3Fold} ({@link #embeddingRuns}), in the folder of
     * the first configured seed.
     */
    Path embeddingFile(int m3Fold, String uid) {
        return work.embedding(experiment.name(), m3Fold, embeddingSeed(), uid);
    }

    private int embeddingSeed() {
        return config.sliceFracture().seeds().get(0);
    }

    /** train_image_level_v03: per segmented study and slice, the shares of C1..C7. */
    Map<String, Map<Integer, float[]>> vertebraTargets() throws IOException {
        return perSlice(work.imageLevelLabels(), 7);
    }

    /** train_image_pseu_v04_crop: per study and crop slice, C*_pred, C*_frac and their maximum (any). */
    Map<String, Map<Integer, float[]>> pseudoTargets() throws IOException {
        Map<String, Map<Integer, float[]>> out = perSlice(work.pseudoLabels(), 14);
        for (Map<Integer, float[]> study : out.values()) {
            for (Map.Entry<Integer, float[]> e : study.entrySet()) {
                float[] v = new float[SLICE_OUTPUTS];
                System.arraycopy(e.getValue(), 0, v, 0, 14);
                for (int k = 7; k < 14; k++) {
                    v[14] = Math.max(v[14], v[k]);
                }
                e.setValue(v);
            }
        }
        return out;
    }

    private static Map<String, Map<Integer, float[]>> perSlice(Path csv, int values) throws IOException {
        Map<String, Map<Integer, float[]>> out = new HashMap<>();
        for (List<String> f : CsvFiles.readGz(csv)) {
            float[] v = new float[values];
            for (int k = 0; k < values; k++) {
                v[k] = Float.parseFloat(f.get(2 + k));
            }
            out.computeIfAbsent(f.get(0), u -> new HashMap<>()).put(Integer.parseInt(f.get(1)), v);
        }
        return out;
    }
}
