package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.SkippedCsv;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.JobProgressService;
import org.rsna22.training.ValidationMetrics;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * The end of train-fracture: every study predicted by the study models of its own fold (seeds averaged) →
 * oof_study_pred_v01.csv.gz; the competition metric on them overall, per fold and per label, beside the metric of
 * the constant prevalence prediction on the same studies → cv_score.json; the job's skips joined to skipped.csv.
 */
public class OofTasklet implements Tasklet {

    static final String HEADER = "StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WorkLayout work;
    private final FractureModels models;
    private final FractureConfig config;
    private final List<String> steps;

    /** @param steps the fracture job's steps that skip items: their skip files are joined into skipped.csv */
    public OofTasklet(WorkLayout work, FractureModels models, FractureConfig config, List<String> steps) {
        this.work = work;
        this.models = models;
        this.config = config;
        this.steps = steps;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        Map<String, int[]> labels = new LinkedHashMap<>();
        Map<String, double[]> predictions = new LinkedHashMap<>();
        Map<String, Integer> folds = new HashMap<>();
        List<String> rows = new ArrayList<>();
        long done = 0;
        List<String> leftOut;
        try (DevicePool.Lease device = FractureWork.acquire(models.devices());
             TrainedModels.ByFold byFold = new TrainedModels.ByFold(models, FractureModels.STUDY,
                     () -> StudyTask.network(config), device.device());
             EmbeddingCache embeddings = new EmbeddingCache(models, config, device.device())) {
            for (FractureStudy s : FractureStudy.readAll(work)) {
                int m3Fold = models.modelFold(FractureModels.SLICE_FRACTURE, s.fold());
                if (!Files.isRegularFile(models.embeddingFile(m3Fold, s.uid()))) {
                    continue; // no crop: skipped by studyCrops, recorded there
                }
                double[] p = FracturePredictions.study(byFold.of(s.fold()), embeddings.studyInput(m3Fold, s.uid()),
                        config.maxStudyLength());
                labels.put(s.uid(), s.labels());
                predictions.put(s.uid(), p);
                folds.put(s.uid(), s.fold());
                StringBuilder sb = new StringBuilder(s.uid());
                for (double v : p) {
                    sb.append(String.format(Locale.ROOT, ",%.6f", v));
                }
                rows.add(sb.toString());
                chunkContext.getStepContext().getStepExecution().getExecutionContext().putLong(JobProgressService.DONE,
                        ++done);
            }
            leftOut = byFold.leftOut();
        }
        if (labels.isEmpty()) {
            throw new IllegalStateException("no study could be predicted: every study was skipped (see "
                    + work.skipped() + ")");
        }
        CsvFiles.writeGz(work.oofStudyPredictions(), HEADER, rows);
        Map<String, Object> score = cvScore(labels, predictions, folds, models.sliceFracturePerFold());
        Map<String, String> limited = models.limitedTraining();
        if (!limited.isEmpty()) { // a capped run must never pass for a real one
            score.put("training_limited", limited);
            score.put("note", "trained on capped epochs (limit_train_batches / limit_val_batches): a rehearsal of the "
                    + "pipeline, not a measurement of the recipe");
        }
        AtomicFiles.write(work.cvScore(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(score));
        joinSkips();
        contribution.incrementWriteCount(rows.size());
        if (!leftOut.isEmpty()) {
            chunkContext.getStepContext().getStepExecution().setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                    "WARNING: damaged study models left out of their fold's seeds: " + String.join("; ", leftOut)));
        }
        return RepeatStatus.FINISHED;
    }

    /** The metric overall, per fold and per label, and the constant prevalence prediction's on the same studies. */
    static Map<String, Object> cvScore(Map<String, int[]> labels, Map<String, double[]> predictions,
                                       Map<String, Integer> folds, boolean sliceModelPerFold) {
        CompetitionMetric.Score all = CompetitionMetric.score(labels, predictions);
        double[] prevalence = CompetitionMetric.prevalence(labels.values());
        Map<String, double[]> constant = new LinkedHashMap<>();
        labels.keySet().forEach(uid -> constant.put(uid, prevalence));
        CompetitionMetric.Score baseline = CompetitionMetric.score(labels, constant);
        Map<String, Object> perFold = new TreeMap<>();
        for (int fold : new TreeSet<>(folds.values())) {
            Map<String, int[]> l = new LinkedHashMap<>();
            Map<String, double[]> p = new LinkedHashMap<>();
            labels.forEach((uid, y) -> {
                if (folds.get(uid) == fold) {
                    l.put(uid, y);
                    p.put(uid, predictions.get(uid));
                }
            });
            perFold.put(Integer.toString(fold), CompetitionMetric.score(l, p).overall());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("metric", all.overall());
        out.put("studies", all.studies());
        out.put("per_fold", perFold);
        out.put("per_label", all.perLabel());
        out.put("auc", aucPerLabel(labels, predictions));
        out.put("auc_interval", aucIntervalPerLabel(labels, predictions));
        out.put("fractured", fracturedPerLabel(labels));
        Map<String, Object> constantScore = new LinkedHashMap<>();
        constantScore.put("metric", baseline.overall());
        constantScore.put("per_label", baseline.perLabel());
        constantScore.put("prevalence", prevalenceMap(prevalence));
        out.put("prevalence_constant", constantScore);
        out.put("ratio_to_constant", all.overall() / baseline.overall());
        out.put("slice_fracture_models", sliceModelPerFold ? "per fold (honest CV)"
                : "all data, fold -1 (the original's choice: the study model's CV is optimistic, since the slice "
                        + "model saw the validation studies' labels)");
        return out;
    }

    /**
     * Per label, the out-of-fold area under the ROC curve: how well the predictions rank the studies, which the
     * metric (a log loss) mixes with calibration; null where the studies hold one class only.
     */
    static Map<String, Double> aucPerLabel(Map<String, int[]> labels, Map<String, double[]> predictions) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int j = 0; j < CompetitionMetric.TARGETS.size(); j++) {
            double auc = ValidationMetrics.auc(scored(labels, predictions, j));
            m.put(CompetitionMetric.TARGETS.get(j), Double.isNaN(auc) ? null : auc);
        }
        return m;
    }

    /** Bootstrap draws behind {@code auc_interval}; each label's generator is seeded with the label's index. */
    static final int AUC_RESAMPLES = 2000;

    /**
     * Per label, a 95 % bootstrap interval of the out-of-fold AUC ({@link ValidationMetrics#aucInterval}), so that a
     * reader sees how far an AUC over a few fractured studies can be trusted; null where the studies hold one class.
     */
    static Map<String, double[]> aucIntervalPerLabel(Map<String, int[]> labels, Map<String, double[]> predictions) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int j = 0; j < CompetitionMetric.TARGETS.size(); j++) {
            m.put(CompetitionMetric.TARGETS.get(j),
                    ValidationMetrics.aucInterval(scored(labels, predictions, j), AUC_RESAMPLES, j));
        }
        return m;
    }

    /** Label {@code j} of every study as {score, label} pairs, the form ValidationMetrics reads. */
    private static List<double[]> scored(Map<String, int[]> labels, Map<String, double[]> predictions, int j) {
        List<double[]> scored = new ArrayList<>();
        for (Map.Entry<String, int[]> e : labels.entrySet()) {
            scored.add(new double[] {predictions.get(e.getKey())[j], e.getValue()[j]});
        }
        return scored;
    }

    /** Per label, how many of the scored studies are fractured there (the positives behind each AUC). */
    static Map<String, Integer> fracturedPerLabel(Map<String, int[]> labels) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int j = 0; j < CompetitionMetric.TARGETS.size(); j++) {
            int n = 0;
            for (int[] y : labels.values()) {
                n += y[j];
            }
            m.put(CompetitionMetric.TARGETS.get(j), n);
        }
        return m;
    }

    private static Map<String, Double> prevalenceMap(double[] p) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int j = 0; j < p.length; j++) {
            m.put(CompetitionMetric.TARGETS.get(j), p[j]);
        }
        return m;
    }

    /** skipped.csv: the rows of earlier jobs (other steps) and then this job's skip files. */
    private void joinSkips() throws IOException {
        List<Path> parts = new ArrayList<>();
        for (String step : steps) {
            parts.addAll(WorkLayout.partFiles(work.fracturePartDir(step), true));
        }
        SkippedCsv.replace(work, steps, parts);
    }
}
