package org.rsna22.inference;

import java.io.BufferedReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.rsna22.config.InferBboxConfig;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.SkippedCsv;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Joins the per-partition slice predictions in order into (train_|test_)bbox_slice_pred_v02.csv.gz and aggregates them
 * per study into (train_|test_)bbox_pred_v02.csv.gz (SPEC §5), both by atomic rename.
 */
public class StudyBoxesTasklet implements Tasklet {

    private final Path parts;
    private final Path slicesOut;
    private final Path studiesOut;
    private final StudyBoxAggregator aggregator;
    private final Map<String, Integer> lastSlice;
    private final WorkLayout work;
    private final String skipStep;
    private final List<SliceBoxes.Rejected> rejected;

    /**
     * @param lastSlice per study, its highest slice number (slnum_max)
     * @param skipStep the step whose skip part files (unreadable studies) are joined into skipped.csv
     * @param rejected entries of a test set's images folder that are not usable studies: skipped with their reasons
     */
    public StudyBoxesTasklet(WorkLayout work, Path parts, Path slicesOut, Path studiesOut, InferBboxConfig config,
                             Map<String, Integer> lastSlice, String skipStep, List<SliceBoxes.Rejected> rejected) {
        this.work = work;
        this.rejected = rejected;
        this.skipStep = skipStep;
        this.parts = parts;
        this.slicesOut = slicesOut;
        this.studiesOut = studiesOut;
        this.aggregator = new StudyBoxAggregator(config);
        this.lastSlice = lastSlice;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        List<Path> files = WorkLayout.partFiles(parts, false);
        List<String> rejects = new ArrayList<>();
        for (SliceBoxes.Rejected r : rejected) {
            rejects.add(SkipRecord.line(skipStep, r.name(), "", r.reason()));
        }
        AtomicFiles.write(parts.resolve(WorkLayout.partFileName(REJECTED, true)),
                (String.join("\n", rejects) + "\n").getBytes(StandardCharsets.UTF_8));
        contribution.incrementProcessSkipCount(rejects.size());
        long predicted = 0;
        for (Path p : files) {
            predicted += Files.size(p);
        }
        if (predicted == 0) { // before any output is written: a failed run leaves the earlier ones removed, not new
            int skipped = SkippedCsv.replace(work, List.of(skipStep), WorkLayout.partFiles(parts, true));
            throw new IllegalStateException(lastSlice.isEmpty() && rejected.isEmpty()
                    ? "no study to predict: the images folder (test_images/) holds no study folder"
                    : "no study could be predicted: all " + skipped + " were skipped (reasons in " + work.skipped() + ")");
        }
        StringBuilder studies = new StringBuilder(StudyBox.HEADER).append('\n');
        long[] count = {0};
        AtomicFiles.write(slicesOut, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
            w.write(SlicePrediction.HEADER);
            w.write('\n');
            List<SlicePrediction> study = new ArrayList<>();
            for (Path p : files) {
                try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        w.write(line);
                        w.write('\n');
                        SlicePrediction sp = SlicePrediction.parse(line);
                        if (!study.isEmpty() && !study.get(0).studyUid().equals(sp.studyUid())) {
                            flush(study, studies, count);
                        }
                        study.add(sp);
                    }
                }
            }
            flush(study, studies, count);
            w.flush();
            gz.finish();
        });
        AtomicFiles.write(studiesOut, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out);
            gz.write(studies.toString().getBytes(StandardCharsets.UTF_8));
            gz.finish();
        });
        SkippedCsv.replace(work, List.of(skipStep), WorkLayout.partFiles(parts, true));
        contribution.incrementWriteCount(count[0]);
        if (!rejects.isEmpty()) {
            chunkContext.getStepContext().getStepExecution().setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                    rejects.size() + " entries of the images folder are not usable studies (see " + work.skipped().getFileName()
                            + ")"));
        }
        return RepeatStatus.FINISHED;
    }

    /** The skip part file of the images folder's entries that are not studies. */
    static final String REJECTED = "images-folder";

    private void flush(List<SlicePrediction> study, StringBuilder out, long[] count) {
        if (study.isEmpty()) {
            return;
        }
        String uid = study.get(0).studyUid();
        Integer slnumMax = lastSlice.get(uid);
        if (slnumMax == null) {
            throw new IllegalStateException("predictions for study " + uid + ", which is not in the study list");
        }
        out.append(aggregator.aggregate(study, slnumMax).csvLine()).append('\n');
        count[0]++;
        study.clear();
    }
}
