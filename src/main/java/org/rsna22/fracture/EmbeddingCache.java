package org.rsna22.fracture;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.config.FractureConfig;
import org.rsna22.io.CheckedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embeddings cache (embeddings/EXPERIMENT/foldK/seedS/UID.emb, S the first seed): what the study model reads of
 * each study, made by the slice-fracture runs of a fold ({@link FractureModels#embeddingRuns}). A file that is missing
 * or does not verify is made (again) from the study's crop, with a log line naming a damaged one; the slice-fracture
 * models are loaded the first time one is needed.
 */
final class EmbeddingCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingCache.class);

    private final FractureModels models;
    private final FractureConfig config;
    private final CropStore crops;
    private final Map<Integer, TrainedModels> loaded = new HashMap<>();
    private final Map<Integer, ScoreReference> references = new HashMap<>();
    /** M2 per fold, with {@code study_shares: m2}: the shares of the images that the M3 of the same fold scores. */
    private final TrainedModels.ByFold vertebra;
    private final Device device;

    /** @param device where the slice-fracture models it loads run */
    EmbeddingCache(FractureModels models, FractureConfig config, Device device) {
        this.models = models;
        this.config = config;
        this.crops = models.crops();
        this.device = device;
        this.vertebra = new TrainedModels.ByFold(models, FractureModels.VERTEBRA,
                () -> SequenceTask.network(config, FractureModels.VERTEBRA, device), device);
    }

    /** Makes the embedding of a study by the slice-fracture run of {@code m3Fold} unless a verified one is there. */
    void ensure(int m3Fold, String uid) throws IOException {
        Path file = models.embeddingFile(m3Fold, uid);
        if (Files.isRegularFile(file)) {
            String problem = CheckedFiles.problem(file);
            if (problem == null) {
                return;
            }
            LOG.warn("{}; made again from the study's crop", problem);
        }
        make(m3Fold, uid, file);
    }

    /** The embedding of a study by the run of {@code m3Fold}: read and verified, made again when damaged. */
    StudyEmbedding get(int m3Fold, String uid) throws IOException {
        Path file = models.embeddingFile(m3Fold, uid);
        try {
            return StudyEmbedding.read(file);
        } catch (CheckedFiles.DamagedFileException e) {
            synchronized (this) { // loader threads share the model; another may have made it meanwhile
                try {
                    return StudyEmbedding.read(file);
                } catch (CheckedFiles.DamagedFileException again) {
                    LOG.warn("{}; made again from the study's crop", e.getMessage());
                    return make(m3Fold, uid, file);
                }
            }
        }
    }

    /**
     * What the study model reads of a study: its embedding by the M3 of {@code m3Fold}; with
     * {@code study_scores: quantile} its scores placed among that M3's out-of-fold study maxima ({@link #reference}).
     */
    StudyEmbedding studyInput(int m3Fold, String uid) throws IOException {
        StudyEmbedding e = get(m3Fold, uid);
        return config.quantileScores() ? reference(m3Fold).apply(e) : e;
    }

    /**
     * The {@link ScoreReference} of the M3 of {@code m3Fold}: its embeddings of the training studies of that fold
     * (those it did not train on), read once.
     */
    synchronized ScoreReference reference(int m3Fold) throws IOException {
        ScoreReference r = references.get(m3Fold);
        if (r == null) {
            List<StudyEmbedding> scored = new ArrayList<>();
            for (FractureStudy s : FractureStudy.readAll(models.work())) {
                if (s.fold() == m3Fold && Files.isRegularFile(models.embeddingFile(m3Fold, s.uid()))) {
                    scored.add(get(m3Fold, s.uid()));
                }
            }
            r = ScoreReference.of(FractureModels.SLICE_OUTPUTS, 8, scored, "the slice-fracture model of fold "
                    + m3Fold + " (" + models.embeddingFile(m3Fold, "UID").getParent() + ")");
            references.put(m3Fold, r);
        }
        return r;
    }

    private synchronized StudyEmbedding make(int m3Fold, String uid, Path file) throws IOException {
        TrainedModels m3 = loaded.get(m3Fold);
        if (m3 == null) {
            m3 = new TrainedModels(FractureModels.SLICE_FRACTURE, models.embeddingRuns(m3Fold),
                    () -> SequenceTask.network(config, FractureModels.SLICE_FRACTURE, device), device);
            loaded.put(m3Fold, m3);
        }
        StudyEmbedding e = FracturePredictions.studyInputs(m3.models(),
                config.studySharesFromM2() ? vertebra.of(m3Fold) : null, crops, crops.get(uid), config);
        e.write(file);
        return e;
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(TrainedModels::close);
        loaded.clear();
        vertebra.close();
    }
}
