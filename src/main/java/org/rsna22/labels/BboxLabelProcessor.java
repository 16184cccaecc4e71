package org.rsna22.labels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.StudySegmentation;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.geometry.LabelVolume;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * The per-slice C1-C7 boxes of one segmented study (SPEC §3): the segmentation is laid on the series by
 * geometry, labels above 7 are ignored, and each slice gets the inclusive min/max of its C1-C7 voxels, or
 * the image centre with has_box 0.
 */
public class BboxLabelProcessor implements ItemProcessor<StudyEntry, List<BoxRow>> {

    private final CompetitionLayout data;
    private final DicomSource dicom;
    private final Map<String, Integer> folds;

    public BboxLabelProcessor(CompetitionLayout data, DicomSource dicom, Map<String, Integer> folds) {
        this.data = data;
        this.dicom = dicom;
        this.folds = folds;
    }

    @Override
    public List<BoxRow> process(StudyEntry study) throws Exception {
        String uid = study.studyUid();
        StudySegmentation seg;
        try {
            seg = StudySegmentation.load(data, dicom, uid);
        } catch (StudySegmentation.Unusable e) {
            throw new SkippedItemException(e.getMessage());
        }
        return sliceBoxes(uid, folds.getOrDefault(uid, -1), seg.sliceNumbers(), seg.labels());
    }

    /**
     * One row per slice: the inclusive min/max column and row of its C1-C7 voxels (thoracic labels 8-19 and
     * background ignored), or the image centre with has_box 0 when it has none.
     */
    static List<BoxRow> sliceBoxes(String uid, int fold, List<Integer> numbers, LabelVolume labels) {
        List<BoxRow> rows = new ArrayList<>(numbers.size());
        int cols = labels.columns();
        for (int s = 0; s < labels.slices(); s++) {
            byte[] slice = labels.slice(s);
            int x0 = Integer.MAX_VALUE;
            int y0 = Integer.MAX_VALUE;
            int x1 = -1;
            int y1 = -1;
            for (int r = 0, i = 0; r < labels.rows(); r++) {
                for (int c = 0; c < cols; c++, i++) {
                    int l = slice[i];
                    if (l >= 1 && l <= 7) {
                        x0 = Math.min(x0, c);
                        x1 = Math.max(x1, c);
                        y0 = Math.min(y0, r);
                        y1 = Math.max(y1, r);
                    }
                }
            }
            if (x1 < 0) {
                rows.add(new BoxRow(uid, numbers.get(s), cols / 2, labels.rows() / 2, cols / 2, labels.rows() / 2, false, fold));
            } else {
                rows.add(new BoxRow(uid, numbers.get(s), x0, y0, x1, y1, true, fold));
            }
        }
        return rows;
    }
}
