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
import org.rsna22.dataset.SkippedCsv;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
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

    /**
     * @param lastSlice per study, its highest slice number (slnum_max)
     * @param skipStep the step whose skip part files (unreadable studies) are joined into skipped.csv
     */
    public StudyBoxesTasklet(WorkLayout work, Path parts, Path slicesOut, Path studiesOut, InferBboxConfig config,
                             Map<String, Integer> lastSlice, String skipStep) {
        this.work = work;
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
        int skipped = SkippedCsv.replace(work, List.of(skipStep), WorkLayout.partFiles(parts, true));
        if (count[0] == 0 && !lastSlice.isEmpty()) {
            throw new IllegalStateException("no study could be predicted: all " + skipped + " were skipped (reasons in "
                    + work.skipped() + ")");
        }
        contribution.incrementWriteCount(count[0]);
        return RepeatStatus.FINISHED;
    }

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
