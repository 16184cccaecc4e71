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
 * training prevalence and gets a row in skipped.csv with the reason an earlier step gave; when more than
 * {@code max_skip_share} of the studies would be answered so, the step fails and no submission.csv is written.
 * Probabilities are clipped to [1e-6, 1 - 1e-6].
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
    private final List<String> skipSteps;
    private final double maxSkipShare;

    /**
     * @param predictStep  the partitioned step whose part files hold the predictions and its skips
     * @param skipSteps    the job's steps whose skip part files (in the same folder) join skipped.csv
     * @param maxSkipShare the largest share of test studies that may be answered with the prevalence
     */
    public SubmissionTasklet(CompetitionLayout data, WorkLayout work, String predictStep, List<String> skipSteps,
                             double maxSkipShare) {
        this.data = data;
        this.work = work;
        this.predictStep = predictStep;
        this.skipSteps = skipSteps;
        this.maxSkipShare = maxSkipShare;
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
        if (studies.isEmpty()) {
            throw new IllegalStateException(data.testImages() + " has no study folder (and there is no test.csv)");
        }
        Map<String, String> earlier = earlierReasons();
        List<String> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> skips = new ArrayList<>();
        for (String uid : studies) {
            double[] p = predicted.get(uid);
            if (p == null) {
                p = prevalence;
                skips.add(SkipRecord.line(STEP, uid, "", "no prediction (" + earlier.getOrDefault(uid,
                        noBoxReason(uid)) + "); answered with the training prevalence"));
                contribution.incrementProcessSkipCount();
            }
            for (int j : ROW_ORDER) {
                rows.add(uid + "_" + CompetitionMetric.TARGETS.get(j) + "," + Csv.num(clip(p[j])));
            }
        }
        Path ownSkips = work.inferFractureParts().resolve(WorkLayout.partFileName(STEP, true));
        AtomicFiles.write(ownSkips, (String.join("\n", skips) + "\n").getBytes(StandardCharsets.UTF_8));
        List<Path> skipParts = new ArrayList<>(WorkLayout.partFiles(work.inferFractureParts(), true));
        List<String> steps = new ArrayList<>(skipSteps);
        steps.add(STEP);
        SkippedCsv.replace(work, steps, skipParts);
        if (skips.size() > maxSkipShare * studies.size()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%d of %d test studies could not be predicted "
                    + "(%.0f %%, more than prepare.max_skip_share = %.0f %%): no %s written, rather than one of "
                    + "prevalences; the reasons are in %s. Fix the test set or raise max_skip_share, then run "
                    + "infer-bbox and infer-fracture again", skips.size(), studies.size(),
                    100.0 * skips.size() / studies.size(), 100 * maxSkipShare, work.submission().getFileName(),
                    work.skipped()));
        }
        AtomicFiles.write(work.submission(), (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8));
        contribution.incrementWriteCount(rows.size() - 1);
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        step.setExitStatus(ExitStatus.COMPLETED.addExitDescription(throughput(step, studies, studies.size() - skips.size())));
        return RepeatStatus.FINISHED;
    }

    /**
     * Per study, the reason an earlier step of this test set gave for skipping it: infer-bbox's (in skipped.csv, or
     * its part files) and this job's prediction step's.
     */
    private Map<String, String> earlierReasons() throws IOException {
        Map<String, String> out = new HashMap<>();
        List<Path> sources = new ArrayList<>(WorkLayout.partFiles(work.inferBboxParts(WorkLayout.Subset.TEST), true));
        sources.addAll(WorkLayout.partFiles(work.inferFractureParts(), true));
        for (Path p : sources) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.equals(SkipRecord.HEADER)) {
                    List<String> f = Csv.parse(line);
                    if (f.size() >= 4 && !f.get(1).isEmpty()) {
                        out.put(f.get(1), f.get(0) + ": " + f.get(3));
                    }
                }
            }
        }
        return out;
    }

    /** Why a study has no prediction when no step skipped it: it has no folder, or infer-bbox gave it no box. */
    private String noBoxReason(String uid) {
        Path folder = data.testImages().resolve(uid);
        return Files.isDirectory(folder) ? "infer-bbox gave it no study box: run infer-bbox on this test set again"
                : "test.csv lists it, but " + data.testImages().getFileName() + "/" + uid + " does not exist";
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
