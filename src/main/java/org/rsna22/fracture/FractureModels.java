package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.config.FractureConfig.SequenceModel;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.BoxLocaliserNet;
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
    public static final String STUDY = "study";
    /** M3's outputs per image: vertebra C1..C7, fracture C1..C7, any fracture. */
    static final int SLICE_OUTPUTS = 15;

    private final WorkLayout work;
    private final ExperimentConfig experiment;
    private final FractureConfig config;

    public FractureModels(WorkLayout work, ExperimentConfig experiment) {
        this.work = work;
        this.experiment = experiment;
        this.config = experiment.fracture();
    }

    public SequenceModel settingsOf(String model) {
        return switch (model) {
            case VERTEBRA -> config.vertebra();
            case SLICE_FRACTURE -> config.sliceFracture();
            case STUDY -> config.study();
            default -> throw new IllegalArgumentException("unknown fracture model " + model);
        };
    }

    TrainingSettings settings(String model) {
        SequenceModel m = settingsOf(model);
        return new TrainingSettings("fracture." + model, m.epochs(), m.batchSize(), m.batchSize(), m.lr(),
                m.weightDecay(), m.warmup(), 2, 2);
    }

    public TrainRun run(String model, int fold, int seed) {
        return new TrainRun(experiment.name() + "/" + model, fold, seed, work.run(experiment.name(), model, fold, seed));
    }

    public CropStore crops() {
        return new CropStore(work, config.cropSize(), config.windowLevel(), config.windowWidth(), 64);
    }

    /** The training task of one (model, fold) run. */
    public TrainingTask task(String model, int fold) throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(work);
        CropStore crops = crops();
        Predicate<FractureStudy> inTrain = s -> fold < 0 || s.fold() != fold;
        Predicate<FractureStudy> inValidation = s -> fold >= 0 && s.fold() == fold;
        switch (model) {
            case VERTEBRA, SLICE_FRACTURE -> {
                Map<String, Map<Integer, float[]>> targets = model.equals(VERTEBRA) ? vertebraTargets() : pseudoTargets();
                Predicate<FractureStudy> usable = s -> targets.containsKey(s.uid()) && crops.has(s.uid());
                return new SequenceTask(model, settings(model), config, crops, targets,
                        model.equals(VERTEBRA) ? 7 : SLICE_OUTPUTS, uids(studies, usable.and(inTrain)),
                        uids(studies, usable.and(inValidation)));
            }
            case STUDY -> {
                RunFolder m3 = embeddingRun(fold);
                int m3Fold = foldOf(m3);
                Predicate<FractureStudy> embedded = s -> Files.isRegularFile(embeddingFile(m3Fold, s.uid()));
                return new StudyTask(settings(model), config.studyLstm(), config.maxStudyLength(),
                        BoxLocaliserNet.features(config.width()),
                        studies.stream().filter(embedded.and(inTrain)).toList(),
                        studies.stream().filter(embedded.and(inValidation)).toList(), uid -> embeddingFile(m3Fold, uid));
            }
            default -> throw new IllegalArgumentException("unknown fracture model " + model);
        }
    }

    /** Optimiser steps of a run, known before it starts (for progress). */
    public long steps(String model, int fold) throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(work);
        long samples = 0;
        if (model.equals(STUDY)) {
            samples = studies.stream().filter(s -> fold < 0 || s.fold() != fold).count();
        } else {
            Map<String, Map<Integer, float[]>> targets = model.equals(VERTEBRA) ? vertebraTargets() : Map.of();
            for (FractureStudy s : studies) {
                boolean usable = Files.isRegularFile(work.crop(config.cropSize(), s.uid()))
                        && (!model.equals(VERTEBRA) || targets.containsKey(s.uid()));
                if (usable && (fold < 0 || s.fold() != fold)) {
                    int images = CropStore.images(StudyCrop.readSlices(work.crop(config.cropSize(), s.uid())));
                    samples += SequenceTask.windowStarts(images, config.imagesPerWindow()).size();
                }
            }
        }
        return ModelTrainer.totalSteps(samples, settings(model));
    }

    /**
     * The finished runs that predict a study of {@code fold}: that fold's (every seed), else the all-data runs
     * (fold -1) when the config trains no model for the fold.
     */
    public List<RunFolder> runsFor(String model, int fold) throws IOException {
        List<Integer> folds = settingsOf(model).folds();
        int use = folds.contains(fold) ? fold : folds.contains(-1) ? -1 : Integer.MIN_VALUE;
        if (use == Integer.MIN_VALUE) {
            throw new IllegalStateException("fracture." + model + ".folds " + folds + " has neither fold " + fold
                    + " nor -1 (all data): no model can predict the studies of fold " + fold);
        }
        List<RunFolder> runs = work.trainedRuns(experiment.name(), model, use);
        if (runs.isEmpty()) {
            throw new IllegalStateException("no finished " + model + " run of fold " + use + " under "
                    + work.runs(experiment.name()).resolve(model));
        }
        return runs;
    }

    /** The M3 run whose embeddings M4 of {@code fold} uses: its fold's first seed, or the all-data model's. */
    public RunFolder embeddingRun(int fold) throws IOException {
        return runsFor(SLICE_FRACTURE, fold).get(0);
    }

    /** Whether M3 was trained per fold (an honest CV) rather than once on all data (the original's choice). */
    public boolean sliceFracturePerFold() {
        return !config.sliceFracture().folds().contains(-1);
    }

    Path embeddingFile(int m3Fold, String uid) {
        return work.embedding(experiment.name(), m3Fold, config.sliceFracture().seeds().get(0), uid);
    }

    static int foldOf(RunFolder run) {
        return Integer.parseInt(run.dir().getParent().getFileName().toString().substring("fold".length()));
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

    private static List<String> uids(List<FractureStudy> studies, Predicate<FractureStudy> keep) {
        List<String> out = new ArrayList<>();
        for (FractureStudy s : studies) {
            if (keep.test(s)) {
                out.add(s.uid());
            }
        }
        return out;
    }
}
