package org.rsna22.fracture;

import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.Csv;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.StudyPartitionTasklet.StudyWork;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.DevicePool;
import org.rsna22.model.SavedModels;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Predicts a study of a test set with every trained study model (SPEC §9): its crop (from the crop cache, decoded
 * when missing), its image embeddings by the slice-fracture model each study model was trained on, and the average
 * over every finished study run: each configured fold × seed, and the all-data runs (fold -1) where present. The
 * result is one line of the study's 8 probabilities in TARGETS order.
 */
public class TestSetPredictor implements ItemProcessor<FractureStudy, String>, StepExecutionListener, AutoCloseable {

    /** The columns of a predicted study: StudyInstanceUID and the 8 probabilities in TARGETS order. */
    public static final String HEADER = OofTasklet.HEADER;

    private final StudyWork cropWork;
    private final CropStore crops;
    private final FractureConfig config;
    /** Per slice-fracture fold: the models (one per seed) that embed for the study models trained on that fold's. */
    private final Map<Integer, TrainedModels> embedders = new LinkedHashMap<>();
    /** Per slice-fracture fold: the study models (every fold and seed) that read its embeddings. */
    private final Map<Integer, TrainedModels> studyModels = new LinkedHashMap<>();
    /** With {@code study_shares: m2}, per slice-fracture fold the M2 models whose shares go with its scores. */
    private final TrainedModels.ByFold vertebra;
    /** With {@code study_scores: quantile}, per slice-fracture fold the places of its scores among the training maxima. */
    private final Map<Integer, ScoreReference> references = new LinkedHashMap<>();
    private final DevicePool.Lease device;

    /** @param devices the pool the partition takes its device from, until it closes */
    public TestSetPredictor(Path testImages, WorkLayout work, ExperimentConfig experiment, DicomSource dicom,
                            DevicePool devices) throws IOException {
        FractureConfig c = experiment.fracture();
        FractureModels models = new FractureModels(work, experiment);
        this.device = FractureWork.acquire(devices);
        this.cropWork = FractureWork.crops(testImages, Subset.TEST, work, dicom, c);
        this.crops = models.crops(Subset.TEST);
        this.config = c;
        this.vertebra = new TrainedModels.ByFold(models, FractureModels.VERTEBRA,
                () -> SequenceTask.network(c, FractureModels.VERTEBRA, device.device()), device.device());
        Ensemble ensemble = ensemble(work, experiment);
        try {
            for (Map.Entry<Integer, List<RunFolder>> e : ensemble.studyRuns().entrySet()) {
                embedders.put(e.getKey(), new TrainedModels(FractureModels.SLICE_FRACTURE,
                        models.embeddingRuns(e.getKey()),
                        () -> SequenceTask.network(c, FractureModels.SLICE_FRACTURE, device.device()),
                        device.device()));
                studyModels.put(e.getKey(), new TrainedModels(FractureModels.STUDY, e.getValue(),
                        () -> StudyTask.network(c), device.device()));
                if (c.studySharesFromM2()) {
                    vertebra.of(e.getKey()); // loaded (and verified) before the first study, not during it
                }
            }
            if (c.quantileScores()) { // the training studies' embeddings, read before the first test study
                try (EmbeddingCache training = new EmbeddingCache(models, c, device.device())) {
                    for (int m3Fold : embedders.keySet()) {
                        references.put(m3Fold, training.reference(m3Fold));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The study models a test set is predicted with, grouped by the slice-fracture fold whose embeddings they read,
     * and the finished runs left out because their saved model (or the slice-fracture model they read) does not
     * verify.
     *
     * @param leftOut each left-out run with its reason: the damaged file and "checksum mismatch"
     */
    public record Ensemble(Map<Integer, List<RunFolder>> studyRuns, List<String> leftOut) {

        /** How many study models it averages. */
        public int size() {
            return studyRuns.values().stream().mapToInt(List::size).sum();
        }
    }

    /**
     * Every finished study run of the configured folds (and the all-data ones), those whose models verify; fails
     * with the reasons when none does, so that a test set is never answered by the prevalence for want of a model.
     */
    public static Ensemble ensemble(WorkLayout work, ExperimentConfig experiment) throws IOException {
        FractureConfig c = experiment.fracture();
        FractureModels models = new FractureModels(work, experiment);
        Map<Integer, List<RunFolder>> byEmbedding = new LinkedHashMap<>();
        List<String> leftOut = new ArrayList<>();
        boolean anyFinished = false;
        for (int fold : c.study().folds()) {
            List<RunFolder> runs = work.trainedRuns(experiment.name(), FractureModels.STUDY, fold);
            anyFinished |= !runs.isEmpty();
            if (runs.isEmpty()) {
                continue;
            }
            int m3Fold = models.modelFold(FractureModels.SLICE_FRACTURE, fold);
            SavedModels.Usable usable = SavedModels.usable(runs);
            leftOut.addAll(usable.leftOut());
            if (usable.runs().isEmpty()) {
                continue;
            }
            List<String> damaged = SavedModels.usable(models.embeddingRuns(m3Fold)).leftOut();
            if (!damaged.isEmpty()) {
                leftOut.add(String.join("; ", damaged) + " (the slice-fracture model whose embeddings the study models of "
                        + "fold " + fold + " read: they are left out with it)");
                continue;
            }
            byEmbedding.computeIfAbsent(m3Fold, k -> new ArrayList<>()).addAll(usable.runs());
        }
        if (!anyFinished) {
            throw new IllegalStateException("no finished study model under "
                    + work.runs(experiment.name()).resolve(FractureModels.STUDY) + " for fracture.study.folds "
                    + c.study().folds() + ": run train-fracture with this config and work folder first");
        }
        if (byEmbedding.isEmpty()) {
            throw new IllegalStateException("no usable study model: " + String.join("; ", leftOut) + ". "
                    + SavedModels.remedy("train-fracture"));
        }
        return new Ensemble(byEmbedding, leftOut);
    }

    /** How many study models every prediction averages. */
    public int ensembleSize() {
        return studyModels.values().stream().mapToInt(m -> m.models().size()).sum();
    }

    @Override
    public String process(FractureStudy study) throws IOException {
        cropWork.process(study);
        StudyCrop crop = crops.get(study.uid());
        double[] sum = new double[8];
        int n = 0;
        for (Map.Entry<Integer, TrainedModels> e : embedders.entrySet()) {
            StudyEmbedding embedding = FracturePredictions.studyInputs(e.getValue().models(),
                    config.studySharesFromM2() ? vertebra.of(e.getKey()) : null, crops, crop, config);
            if (config.quantileScores()) {
                embedding = references.get(e.getKey()).apply(embedding);
            }
            List<Model> readers = studyModels.get(e.getKey()).models();
            double[] p = FracturePredictions.study(readers, embedding, config.maxStudyLength());
            for (int j = 0; j < 8; j++) {
                sum[j] += p[j] * readers.size();
            }
            n += readers.size();
        }
        Object[] fields = new Object[9];
        fields[0] = study.uid();
        for (int j = 0; j < 8; j++) {
            fields[1 + j] = Csv.num(sum[j] / n);
        }
        return Csv.line(fields);
    }

    @Override
    public void beforeStep(StepExecution step) {
        step.getExecutionContext().putString(JobProgressService.DETAIL_PREFIX + "device", device.name());
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        close(); // ended, failed or stopped: the device goes back to the pool
        return step.getExitStatus();
    }

    @Override
    public synchronized void close() {
        embedders.values().forEach(TrainedModels::close);
        studyModels.values().forEach(TrainedModels::close);
        vertebra.close();
        embedders.clear();
        studyModels.clear();
        device.close();
    }
}
