package org.rsna22.fracture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.StudySegmentation;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.IoErrors;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.geometry.LabelVolume;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * train_image_level_v03 (SPEC §6): for every segmented study (those prepare made box labels for), per slice the
 * voxel count of each of C1..C7 divided by that vertebra's largest count in the study (0 where it never appears).
 */
public class VertebraLabelsTasklet implements Tasklet {

    public static final String STEP = "vertebraLabels";
    static final String HEADER = "StudyInstanceUID,slice_number,C1,C2,C3,C4,C5,C6,C7";

    private final CompetitionLayout data;
    private final WorkLayout work;
    private final DicomSource dicom;
    private final Path skipFile;

    public VertebraLabelsTasklet(CompetitionLayout data, WorkLayout work, DicomSource dicom) {
        this.data = data;
        this.work = work;
        this.dicom = dicom;
        this.skipFile = work.fracturePartDir(STEP).resolve(WorkLayout.partFileName("all", true));
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        List<String> rows = new ArrayList<>();
        List<String> skips = new ArrayList<>();
        List<SliceBoxes> segmented = SliceBoxes.readBoxLabels(work.bboxLabels());
        for (SliceBoxes s : segmented) {
            try {
                StudySegmentation seg = StudySegmentation.load(data, dicom, s.studyUid());
                rows.addAll(rows(s.studyUid(), seg.sliceNumbers(), seg.labels()));
                contribution.incrementWriteCount(1);
            } catch (IOException e) {
                skips.add(SkipRecord.line(STEP, s.studyUid(), "", IoErrors.describe(e)));
                contribution.incrementProcessSkipCount();
            }
        }
        AtomicFiles.write(skipFile, skips.isEmpty() ? new byte[0] : (String.join("\n", skips) + "\n").getBytes(StandardCharsets.UTF_8));
        CsvFiles.writeGz(work.imageLevelLabels(), HEADER, rows);
        chunkContext.getStepContext().getStepExecution().getExecutionContext().putLong(JobProgressService.DONE,
                segmented.size());
        return RepeatStatus.FINISHED;
    }

    /** One row per slice: the counts of labels 1..7 divided by each label's maximum over the study. */
    static List<String> rows(String uid, List<Integer> numbers, LabelVolume labels) {
        int[][] counts = new int[labels.slices()][7];
        int[] max = new int[7];
        for (int s = 0; s < labels.slices(); s++) {
            for (byte b : labels.slice(s)) {
                int l = b & 0xFF;
                if (l >= 1 && l <= 7) {
                    counts[s][l - 1]++;
                }
            }
            for (int k = 0; k < 7; k++) {
                max[k] = Math.max(max[k], counts[s][k]);
            }
        }
        List<String> out = new ArrayList<>(labels.slices());
        for (int s = 0; s < labels.slices(); s++) {
            StringBuilder sb = new StringBuilder(uid).append(',').append(numbers.get(s));
            for (int k = 0; k < 7; k++) {
                sb.append(',').append(max[k] == 0 ? "0" : String.format(Locale.ROOT, "%.4f", (double) counts[s][k] / max[k]));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
