package org.rsna22.fracture;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * train_image_pseu_v04_crop (SPEC §6): the vertebra-share model of each study's own fold (out of fold, seeds
 * averaged, windows averaged) predicts every crop slice's C1..C7 share (C*_pred, the value of the image the slice
 * belongs to, clipped to [0, 1]); C*_frac = C*_pred × the study's C* fracture label.
 */
public class PseudoLabelsTasklet implements Tasklet {

    static final String HEADER = "StudyInstanceUID,slice_number,C1_pred,C2_pred,C3_pred,C4_pred,C5_pred,C6_pred,"
            + "C7_pred,C1_frac,C2_frac,C3_frac,C4_frac,C5_frac,C6_frac,C7_frac";

    private final WorkLayout work;
    private final FractureModels models;
    private final FractureConfig config;

    public PseudoLabelsTasklet(WorkLayout work, FractureModels models, FractureConfig config) {
        this.work = work;
        this.models = models;
        this.config = config;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        CropStore crops = models.crops();
        List<String> rows = new ArrayList<>();
        long done = 0;
        try (TrainedModels.ByFold byFold = new TrainedModels.ByFold(models, FractureModels.VERTEBRA,
                () -> SequenceTask.network(config, 7))) {
            for (FractureStudy s : FractureStudy.readAll(work)) {
                if (!crops.has(s.uid())) {
                    continue; // skipped by studyCrops, recorded there
                }
                StudyCrop crop = crops.get(s.uid());
                rows.addAll(rows(s, crop, FracturePredictions.perImage(byFold.of(s.fold()), crops, crop,
                        config.imagesPerWindow(), 7)));
                contribution.incrementWriteCount(1);
                chunkContext.getStepContext().getStepExecution().getExecutionContext().putLong(JobProgressService.DONE,
                        ++done);
            }
        }
        CsvFiles.writeGz(work.pseudoLabels(), HEADER, rows);
        return RepeatStatus.FINISHED;
    }

    /** Per crop slice: the shares of the image it belongs to, and those times the study's labels. */
    static List<String> rows(FractureStudy s, StudyCrop crop, float[][] perImage) {
        List<String> rows = new ArrayList<>(crop.slices());
        for (int i = 0; i < crop.slices(); i++) {
            float[] p = perImage[i / 3];
            StringBuilder sb = new StringBuilder(s.uid()).append(',').append(crop.sliceNumbers()[i]);
            for (int k = 0; k < 7; k++) {
                sb.append(String.format(Locale.ROOT, ",%.4f", Math.max(0, Math.min(1, p[k]))));
            }
            for (int k = 0; k < 7; k++) {
                sb.append(String.format(Locale.ROOT, ",%.4f", Math.max(0, Math.min(1, p[k])) * s.labels()[1 + k]));
            }
            rows.add(sb.toString());
        }
        return rows;
    }
}
