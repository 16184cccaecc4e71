package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.CsvTable;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.ops.JobProgressService;
import org.rsna22.model.DevicePool;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * train_image_pseu_v04_crop (SPEC §6): the vertebra-share model of each study's own fold (out of fold, seeds
 * averaged, windows averaged) predicts every crop slice's C1..C7 share (C*_pred, the value of the image the slice
 * belongs to, clipped to [0, 1]); C*_frac = C*_pred × the study's C* fracture label (with {@code fracture.box_labels},
 * for a study with fracture boxes, also × whether a boxed slice is within one slice; with {@code fracture.image_slices 1},
 * where an image shows its middle slice only, × whether the slice itself is boxed).
 */
public class PseudoLabelsTasklet implements Tasklet {

    static final String HEADER = "StudyInstanceUID,slice_number,C1_pred,C2_pred,C3_pred,C4_pred,C5_pred,C6_pred,"
            + "C7_pred,C1_frac,C2_frac,C3_frac,C4_frac,C5_frac,C6_frac,C7_frac";

    private final WorkLayout work;
    private final FractureModels models;
    private final FractureConfig config;
    private final Map<String, Set<Integer>> fractureSlices;

    /**
     * @param fractureSlices per study with fracture boxes (train_bounding_boxes.csv), the slice numbers that show
     *                       one; used when {@code fracture.box_labels} is on
     */
    public PseudoLabelsTasklet(WorkLayout work, FractureModels models, FractureConfig config,
                               Map<String, Set<Integer>> fractureSlices) {
        this.work = work;
        this.models = models;
        this.config = config;
        this.fractureSlices = config.boxLabels() ? fractureSlices : Map.of();
    }

    /** train_bounding_boxes.csv (StudyInstanceUID,x,y,width,height,slice_number): per study, its boxed slices. */
    public static Map<String, Set<Integer>> fractureSlices(Path boundingBoxesCsv) throws IOException {
        Map<String, Set<Integer>> out = new HashMap<>();
        if (!Files.isRegularFile(boundingBoxesCsv)) {
            return out;
        }
        CsvTable table = CsvTable.read(boundingBoxesCsv);
        int uid = table.column("StudyInstanceUID");
        int slice = table.column("slice_number");
        for (CsvTable.Row row : table.rows()) {
            try {
                out.computeIfAbsent(row.get(uid).trim(), k -> new HashSet<>()).add(Integer.parseInt(row.get(slice).trim()));
            } catch (NumberFormatException e) {
                throw new IOException(boundingBoxesCsv + " line " + row.line() + ": slice_number '" + row.get(slice)
                        + "' is not a number", e);
            }
        }
        return out;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        CropStore crops = models.crops();
        long[] done = {0};
        try (DevicePool.Lease device = FractureWork.acquire(models.devices());
             TrainedModels.ByFold byFold = new TrainedModels.ByFold(models, FractureModels.VERTEBRA,
                     () -> SequenceTask.network(config, FractureModels.VERTEBRA, device.device()), device.device())) {
            // written study by study: the rows of the whole training set are never held at once
            CsvFiles.writeGz(work.pseudoLabels(), HEADER, sink -> {
                for (FractureStudy s : FractureStudy.readAll(work)) {
                    if (!crops.has(s.uid())) {
                        continue; // skipped by studyCrops, recorded there
                    }
                    StudyCrop crop = crops.get(s.uid());
                    for (String row : rows(s, crop, FracturePredictions.perImage(byFold.of(s.fold()), crops, crop,
                            config.imagesPerWindow(), 7), fractureSlices.get(s.uid()), config.imageSlices() == 1 ? 0 : 1)) {
                        sink.row(row);
                    }
                    contribution.incrementWriteCount(1);
                    chunkContext.getStepContext().getStepExecution().getExecutionContext()
                            .putLong(JobProgressService.DONE, ++done[0]);
                }
            });
        }
        return RepeatStatus.FINISHED;
    }

    /**
     * Per crop slice: the shares of the image it belongs to, and those times the study's labels; with
     * {@code boxed} (the study's slices with a fracture box, or null), times whether a boxed slice is within
     * {@code reach} slices (1 when an image holds three slices, 0 when it shows only its middle one).
     */
    static List<String> rows(FractureStudy s, StudyCrop crop, float[][] perImage, Set<Integer> boxed, int reach) {
        List<String> rows = new ArrayList<>(crop.slices());
        for (int i = 0; i < crop.slices(); i++) {
            float[] p = perImage[i / 3];
            int n = crop.sliceNumbers()[i];
            int shown = boxed == null ? 1 : 0;
            for (int d = -reach; d <= reach && shown == 0; d++) {
                shown = boxed.contains(n + d) ? 1 : 0;
            }
            StringBuilder sb = new StringBuilder(s.uid()).append(',').append(crop.sliceNumbers()[i]);
            for (int k = 0; k < 7; k++) {
                sb.append(String.format(Locale.ROOT, ",%.4f", Math.max(0, Math.min(1, p[k]))));
            }
            for (int k = 0; k < 7; k++) {
                sb.append(String.format(Locale.ROOT, ",%.4f", Math.max(0, Math.min(1, p[k])) * s.labels()[1 + k] * shown));
            }
            rows.add(sb.toString());
        }
        return rows;
    }
}
