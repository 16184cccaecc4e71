package org.rsna22.submission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.Csv;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.SkippedCsv;
import org.rsna22.dataset.TrainLabelsCsv;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The end of infer-fracture: submission.csv (SPEC §9), 8 rows per study the test set asks for, from the per-study
 * predictions of the part files. A study without a prediction (unreadable, no study box) is answered with the
 * training prevalence and gets a row in skipped.csv. Probabilities are clipped to [1e-6, 1 - 1e-6].
 */
public class SubmissionTasklet implements Tasklet {

    public static final String STEP = "submission";
    public static final String HEADER = "row_id,fractured";
    static final double EPS = 1e-6;
    /** The row order within a study: C1 … C7, then patient_overall. */
    private static final int[] ROW_ORDER = {1, 2, 3, 4, 5, 6, 7, 0};

    private final CompetitionLayout data;
    private final WorkLayout work;
    private final String predictStep;

    /** @param predictStep the partitioned step whose part files hold the predictions and its skips */
    public SubmissionTasklet(CompetitionLayout data, WorkLayout work, String predictStep) {
        this.data = data;
        this.work = work;
        this.predictStep = predictStep;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        double[] prevalence = trainingPrevalence(work);
        Map<String, double[]> predicted = new HashMap<>();
        for (Path p : WorkLayout.partFiles(work.inferFractureParts(), false)) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    List<String> f = Csv.parse(line);
                    double[] v = new double[8];
                    for (int j = 0; j < 8; j++) {
                        v[j] = Double.parseDouble(f.get(1 + j));
                    }
                    predicted.put(f.get(0), v);
                }
            }
        }
        List<String> studies = data.testStudies();
        List<String> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> skips = new ArrayList<>();
        for (String uid : studies) {
            double[] p = predicted.get(uid);
            if (p == null) {
                p = prevalence;
                skips.add(SkipRecord.line(STEP, uid, "", "no prediction (see the study's earlier row for why); "
                        + "answered with the training prevalence"));
                contribution.incrementProcessSkipCount();
            }
            for (int j : ROW_ORDER) {
                rows.add(uid + "_" + CompetitionMetric.TARGETS.get(j) + "," + Csv.num(clip(p[j])));
            }
        }
        if (studies.isEmpty()) {
            throw new IllegalStateException(data.testImages() + " has no study folder (and there is no test.csv)");
        }
        Path ownSkips = work.inferFractureParts().resolve(WorkLayout.partFileName(STEP, true));
        AtomicFiles.write(ownSkips, (String.join("\n", skips) + "\n").getBytes(StandardCharsets.UTF_8));
        List<Path> skipParts = new ArrayList<>(WorkLayout.partFiles(work.inferFractureParts(), true));
        SkippedCsv.replace(work, List.of(predictStep, STEP), skipParts);
        AtomicFiles.write(work.submission(), (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8));
        contribution.incrementWriteCount(rows.size() - 1);
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        step.setExitStatus(ExitStatus.COMPLETED.addExitDescription(throughput(step, studies, studies.size() - skips.size())));
        return RepeatStatus.FINISHED;
    }

    /** The prevalence of each target in the training labels of the work folder (train_folded_v01.csv). */
    static double[] trainingPrevalence(WorkLayout work) throws IOException {
        if (!Files.isRegularFile(work.folds())) {
            throw new IOException(work.folds() + " is missing: infer-fracture needs the work folder the models were "
                    + "trained in (prepare, train-bbox, train-fracture)");
        }
        List<int[]> labels = new ArrayList<>();
        for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(work.folds(), (uid, reason) -> { })) {
            labels.add(CompetitionMetric.targets(r.labels()));
        }
        return CompetitionMetric.prevalence(labels);
    }

    static double clip(double p) {
        return Math.min(1 - EPS, Math.max(EPS, p));
    }

    /** Studies and slices per second of the prediction step of this execution (all of it, over its wall time). */
    private String throughput(StepExecution self, List<String> testStudies, int studies) throws IOException {
        StepExecution predict = self.getJobExecution().getStepExecutions().stream()
                .filter(s -> s.getStepName().equals(predictStep)).findFirst().orElse(null);
        if (predict == null || predict.getStartTime() == null) {
            return "";
        }
        LocalDateTime end = predict.getEndTime() == null ? LocalDateTime.now() : predict.getEndTime();
        double seconds = Math.max(1e-3, Duration.between(predict.getStartTime(), end).toMillis() / 1000.0);
        long slices = 0;
        for (String uid : testStudies) {
            Path folder = data.testImages().resolve(uid);
            if (Files.isDirectory(folder)) {
                try (var files = Files.list(folder)) {
                    slices += files.filter(f -> CompetitionLayout.sliceNumberOf(f.getFileName().toString()) > 0).count();
                }
            }
        }
        return String.format(Locale.ROOT, "%d studies (%d slices) predicted: %.2f studies/s, %.0f slices/s", studies,
                slices, studies / seconds, slices / seconds);
    }
}
