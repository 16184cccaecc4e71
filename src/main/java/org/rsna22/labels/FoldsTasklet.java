package org.rsna22.labels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.config.PrepareConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.FoldAssigner;
import org.rsna22.dataset.StudyLabels;
import org.rsna22.dataset.TrainLabelsCsv;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Writes train_folded_v01.csv for the admitted studies: the folds of the dataset's own train_folded_v01.csv
 * when it has one (the original shipped its split), else folds stratified on patient_overall.
 */
public class FoldsTasklet implements Tasklet {

    private final CompetitionLayout data;
    private final WorkLayout work;
    private final PrepareConfig config;

    public FoldsTasklet(CompetitionLayout data, WorkLayout work, PrepareConfig config) {
        this.data = data;
        this.work = work;
        this.config = config;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        List<StudyLabels> studies = new ArrayList<>();
        for (StudyEntry e : StudyListTasklet.readStudies(work)) {
            studies.add(e.labels());
        }
        Map<String, Integer> folds;
        if (Files.isRegularFile(data.foldsCsv())) {
            folds = new HashMap<>();
            for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(data.foldsCsv(), (uid, reason) -> { })) {
                if (r.fold() < 0) {
                    throw new IllegalStateException(data.foldsCsv() + " has no fold column");
                }
                folds.put(r.labels().studyUid(), r.fold());
            }
            List<String> missing = studies.stream().map(StudyLabels::studyUid).filter(u -> !folds.containsKey(u)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException(data.foldsCsv() + " has no fold for " + missing.size()
                        + " admitted studies (first: " + missing.get(0) + "); complete it or remove it to let prepare make folds");
            }
        } else {
            folds = FoldAssigner.assign(studies, config.folds(), config.foldSeed());
        }
        AtomicFiles.write(work.folds(), TrainLabelsCsv.foldedCsv(studies, folds).getBytes(StandardCharsets.UTF_8));
        contribution.incrementWriteCount(studies.size());
        return RepeatStatus.FINISHED;
    }

    /** Reads the folds written by this step. */
    public static Map<String, Integer> readFolds(WorkLayout work) throws IOException {
        Map<String, Integer> folds = new HashMap<>();
        for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(work.folds(), (uid, reason) -> { })) {
            folds.put(r.labels().studyUid(), r.fold());
        }
        return folds;
    }
}
